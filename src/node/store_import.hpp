// Switching a node from its embedded SQLite store to PostgreSQL loses nothing: at its first start
// on a PostgreSQL database, a node whose data directory holds a SQLite store copies everything
// into it — the catalogs (algorithms, data sources, custom filters), instruments, trades, bars
// and jobs. Every write is idempotent, so an interrupted copy is simply made again at the next
// start; a marker in the data directory names the database a finished copy went to.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/status.hpp"
#include "storage/store.hpp"

namespace tc::node {

struct StoreCopy {
  int64_t algorithms = 0, data_sources = 0, filters = 0, instruments = 0, trades = 0, bars = 0,
          jobs = 0;
  double seconds = 0;
};

// Copies what `from` holds into `to`; what `to` has already is left as it is.
Result<StoreCopy> copy_store(storage::Store& from, storage::Store& to);

// Copies `<data_dir>/tradecluster.db` into `to` (named `destination` in the marker) unless it is
// missing or was copied there already. nullopt when nothing was to be done.
Result<std::optional<StoreCopy>> import_embedded_store(const std::filesystem::path& data_dir,
                                                       storage::Store& to,
                                                       const std::string& destination);

}  // namespace tc::node
