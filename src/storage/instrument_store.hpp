// InstrumentStore: the instruments each source lists, as tradecluster knows them — what crawls
// check symbols against and the screener screens. Implementations are thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "market/instrument.hpp"

namespace tc::storage {

struct InstrumentQuery {
  std::string source;                             // required
  std::string search;                             // symbol prefix or name substring, any case
  std::string sector;                             // exact, empty for any
  std::optional<market::AssetClass> asset_class;  // any when unset
  std::string after;                              // keyset: symbols after this one
  int limit = 100;
};

class InstrumentStore {
 public:
  virtual ~InstrumentStore() = default;

  // Inserts or replaces each instrument (keyed by source and symbol), all in one transaction.
  virtual Status put_instruments(std::span<const market::Instrument> instruments) = 0;
  // not_found when the source does not list that symbol.
  virtual Result<market::Instrument> instrument(const market::InstrumentId& id) = 0;
  // Matching instruments ordered by symbol, at most query.limit.
  virtual Result<std::vector<market::Instrument>> instruments(const InstrumentQuery& query) = 0;
  virtual Result<int64_t> count_instruments(const std::string& source) = 0;
};

}  // namespace tc::storage
