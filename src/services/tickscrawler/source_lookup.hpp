// What crawl, stream and history requests name, looked up one way: a data source (in the
// catalog, enabled, built into this node) and an instrument of a source (which the store learns
// from the source itself the first time it is asked for one it does not know).
#pragma once

#include <string>

#include "market/instrument.hpp"
#include "market/source_registry.hpp"
#include "storage/store.hpp"

namespace tc::services {

// not_found for a name the catalog does not have, failed_precondition for a disabled source,
// unimplemented for one this binary does not build.
Result<market::Source*> find_source(storage::Store& store, const market::SourceRegistry& sources,
                                    const std::string& name);

// The instrument `id`. When the store does not know it and `learn_from` is given, the store
// first learns that source's instruments (an exchange's list). not_found names where the
// source's instruments are listed.
Result<market::Instrument> find_instrument(storage::Store& store, market::Source* learn_from,
                                           const market::InstrumentId& id);

}  // namespace tc::services
