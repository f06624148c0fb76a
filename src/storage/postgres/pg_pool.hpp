// PgPool: at most `pool_size` connections to one PostgreSQL database, lent one per unit of work,
// so a long history read, a tick batch and a job transition run side by side. Connections are
// opened on demand; a lost one is dropped when given back. While the server is unreachable, new
// connections are tried at most once per backoff (doubling from 100 ms to 5 s, reset by the first
// success), and a caller in between is told unavailable at once instead of waiting on a connect.
// run() repeats a unit of work once on a fresh connection when the one it had was lost (a server
// restart leaves every pooled connection dead, so the idle ones are dropped too): every unit of the
// PostgreSQL store is safe to repeat — its writes are idempotent or conditional. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "storage/postgres/pg_connection.hpp"

namespace tc::storage {

struct PgOptions {
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string dbname = "raycluster";
  std::string user = "rayuser";
  std::string password;
  int pool_size = 8;
  Duration connect_timeout = std::chrono::seconds(3);
  Duration acquire_timeout = std::chrono::seconds(10);  // waiting for a free connection
  Duration max_backoff = std::chrono::seconds(5);

  // The libpq connection string (values quoted as libpq wants).
  std::string conninfo() const;
  // postgresql://user@host:port/dbname, without the password: for logs and status.
  std::string display() const;
};

// Reads a postgresql:// or postgres:// URL over `base` (what the URL leaves out stays):
// postgresql://[user[:password]@][host][:port][/dbname]. invalid_argument for a malformed one.
Result<PgOptions> parse_postgres_url(std::string_view url, PgOptions base);

class PgPool {
 public:
  class Lease {
   public:
    Lease(PgPool& pool, std::unique_ptr<PgConnection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  explicit PgPool(PgOptions options) : options_(std::move(options)) {}

  // A connection: a free one, a new one while fewer than pool_size exist, or the first given
  // back within acquire_timeout. unavailable when the server is unreachable or the wait ends.
  Result<Lease> acquire();

  // Calls `work(PgConnection&)` (returning Status or Result<T>) with a connection, once more on
  // a fresh one when the first was lost.
  template <typename Work>
  auto run(Work&& work) -> std::invoke_result_t<Work, PgConnection&> {
    for (int attempt = 0;; ++attempt) {
      auto lease = acquire();
      if (!lease.is_ok()) return lease.status();
      auto result = work(**lease);
      if (result.is_ok() || !(*lease)->broken() || attempt == 1) return result;
    }
  }

  const PgOptions& options() const { return options_; }

 private:
  void give_back(std::unique_ptr<PgConnection> conn);

  const PgOptions options_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;  // lent or idle
  std::chrono::steady_clock::time_point next_attempt_{};
  Duration backoff_{0};
  std::string last_error_;
};

}  // namespace tc::storage
