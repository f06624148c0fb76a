// The PostgreSQL schema's migrations and the runner that applies them: the seed's schemas
// (algorunner, screener, tickscrawler, shared) and extensions, each service's tables in its
// schema, and the sample data. The runner records each applied step in shared.schema_migrations
// and applies the missing ones in one transaction, under an advisory lock, so nodes starting
// together migrate once.
#pragma once

#include <span>

#include "core/status.hpp"
#include "storage/migration.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace tc::storage {

std::span<const Migration> postgres_migrations();

// Brings the database to the newest version in `migrations`. Returns the version reached;
// failed_precondition when the database is newer than this binary knows.
Result<int> migrate(PgConnection& conn, std::span<const Migration> migrations);

}  // namespace tc::storage
