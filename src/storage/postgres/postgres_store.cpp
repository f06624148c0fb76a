#include "storage/postgres/postgres_store.hpp"

#include "storage/postgres/pg_migrations.hpp"

namespace tc::storage {

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(PgOptions options) {
  auto conn = PgConnection::connect(options.conninfo());
  if (!conn) {
    return Status(conn.status().code(), conn.status().message() + " [" + options.display() + "]");
  }
  auto version = migrate(**conn, postgres_migrations());
  if (!version) return version.status();
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(options), *version));
}

Status PostgresStore::ping() {
  std::lock_guard lock(ping_mu_);
  if (ping_conn_ == nullptr || ping_conn_->broken()) {
    ping_conn_.reset();
    auto conn = PgConnection::connect(pool_.options().conninfo());
    if (!conn) {
      return Status(conn.status().code(),
                    conn.status().message() + " [" + pool_.options().display() + "]");
    }
    ping_conn_ = std::move(conn).value();
  }
  return ping_conn_->exec("SELECT 1");
}

}  // namespace tc::storage
