#include "services/tickscrawler/source_lookup.hpp"

#include <algorithm>

namespace tc::services {

Result<market::Source*> find_source(storage::Store& store, const market::SourceRegistry& sources,
                                    const std::string& name) {
  auto known = store.catalog().data_sources();
  if (!known) return known.status();
  auto record =
      std::find_if(known->begin(), known->end(), [&](const auto& s) { return s.name == name; });
  if (record == known->end()) {
    return not_found("no data source named '" + name +
                     "' (GET /api/tickscrawler/sources lists them)");
  }
  if (!record->enabled) return failed_precondition("data source '" + name + "' is disabled");
  market::Source* source = sources.find(name);
  if (source == nullptr) return unimplemented("the '" + name + "' source is not built yet");
  return source;
}

Result<market::Instrument> find_instrument(storage::Store& store, market::Source* learn_from,
                                           const market::InstrumentId& id) {
  auto instrument = store.instruments().instrument(id);
  if (!instrument && instrument.status().code() == StatusCode::kNotFound && learn_from != nullptr) {
    auto listed = learn_from->instruments();
    if (!listed) return listed.status();
    TC_RETURN_IF_ERROR(store.instruments().put_instruments(*listed));
    instrument = store.instruments().instrument(id);
  }
  if (!instrument && instrument.status().code() == StatusCode::kNotFound) {
    return not_found("the '" + id.source + "' source has no symbol '" + id.symbol +
                     "' (GET /api/tickscrawler/instruments?source=" + id.source + " lists them)");
  }
  return instrument;
}

}  // namespace tc::services
