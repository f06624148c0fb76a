// PgConnection: one libpq connection and the statements it has prepared; PgParams, a statement's
// parameters ($1, $2, …) as text; PgRows, a result read by row and column. Every value reaches
// the server as a parameter, never inside the SQL text. Errors come back as Status — a dropped
// connection or a server shutting down as unavailable, a unique violation as already_exists, a
// check or type violation as invalid_argument — and nothing throws.
// Not thread-safe: PgPool lends each connection to one caller at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"

struct pg_conn;
struct pg_result;

namespace tc::storage {

class PgParams {
 public:
  PgParams& add(std::string_view text);
  PgParams& add(const char* text) { return add(std::string_view(text)); }
  PgParams& add(int64_t value);
  PgParams& add(int value) { return add(static_cast<int64_t>(value)); }
  PgParams& add(double value);
  PgParams& add(bool value);
  PgParams& add_null();
  template <typename T>
  PgParams& add(const std::optional<T>& value) {
    return value ? add(*value) : add_null();
  }

  size_t size() const { return values_.size(); }

 private:
  friend class PgConnection;
  std::vector<std::string> values_;
  std::vector<bool> null_;
};

class PgRows {
 public:
  explicit PgRows(pg_result* result);
  PgRows(PgRows&&) noexcept = default;
  PgRows& operator=(PgRows&&) noexcept = default;

  int size() const;
  bool empty() const { return size() == 0; }
  bool is_null(int row, int column) const;
  std::string_view text(int row, int column) const;
  int64_t int64(int row, int column) const;
  double real(int row, int column) const;
  bool boolean(int row, int column) const;
  // Rows an INSERT, UPDATE, DELETE or COPY touched.
  int64_t affected() const;

 private:
  friend class PgConnection;
  struct Clear {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

class PgConnection {
 public:
  // Connects with a libpq connection string; unavailable (with libpq's reason) when it cannot.
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements without parameters or rows (DDL, BEGIN, COMMIT).
  Status exec(std::string_view sql);
  // Runs one statement with parameters, preparing it on this connection on first use.
  Result<PgRows> query(const std::string& sql, const PgParams& params = {});
  // Runs `copy_sql` (COPY … FROM STDIN) and sends `data` in COPY text format.
  Result<int64_t> copy_in(const std::string& copy_sql, std::string_view data);
  // True once the connection is lost: the pool drops it instead of lending it again.
  bool broken() const;

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  // The status of a finished command: ok, or its error mapped to a StatusCode.
  Status check(pg_result* result, std::string_view what) const;

  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

// Appends `text` to a COPY text-format row, escaping what the format reserves.
void append_copy_text(std::string& row, std::string_view text);

// Runs `body` between BEGIN and COMMIT on `conn`, rolling back when it fails.
template <typename Body>
Status in_transaction(PgConnection& conn, Body&& body) {
  TC_RETURN_IF_ERROR(conn.exec("BEGIN"));
  Status s = body();
  if (!s.is_ok()) {
    if (!conn.broken()) (void)conn.exec("ROLLBACK");
    return s;
  }
  return conn.exec("COMMIT");
}

}  // namespace tc::storage
