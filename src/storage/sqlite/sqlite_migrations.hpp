// The SQLite schema's migrations and the runner that applies them.
//
// SQLite has no schemas, so the seed's four PostgreSQL schemas become table-name prefixes:
// algorunner.algorithms is algorunner_algorithms here. The runner records each applied step in
// shared_schema_migrations and applies the missing ones, each in its own transaction.
#pragma once

#include <span>

#include "core/status.hpp"
#include "storage/migration.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace tc::storage {

std::span<const Migration> sqlite_migrations();

// Brings `db` to the newest version in `migrations`. Returns the version reached;
// failed_precondition when the database is newer than this binary knows.
Result<int> migrate(SqliteDatabase& db, std::span<const Migration> migrations);

}  // namespace tc::storage
