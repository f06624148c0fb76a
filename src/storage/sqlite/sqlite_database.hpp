// SqliteDatabase: one SQLite connection in WAL mode, and Statement, a prepared statement bound
// by position. Errors come back as Status; nothing throws.
// Thread-safety: not thread-safe; SqliteStore serializes the writer with a mutex and lends each
// read connection to one caller at a time (SqliteReaders).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace tc::storage {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Bind by 1-based position; chainable. Text is copied, except by bind_view, whose text must
  // stay alive until the statement is reset.
  Statement& bind(int index, std::string_view text);
  Statement& bind_view(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_null(int index);

  // Advances: true when a row is ready, false when done, an error status otherwise.
  Result<bool> step();
  // Runs to completion, for statements without rows.
  Status run();
  // Resets for another execution with new bindings.
  void reset();

  std::string column_text(int index) const;
  int64_t column_int(int index) const;
  double column_double(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDatabase {
 public:
  // Opens or creates the database file, in WAL mode with a busy timeout.
  // unavailable when the file cannot be opened.
  static Result<std::unique_ptr<SqliteDatabase>> open(const std::filesystem::path& path);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Runs one or more statements without results.
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // Rows changed by the last statement.
  int64_t changes() const;

 private:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A connection and the mutex that serializes its use: SqliteStore keeps one for writes.
struct SqliteConnection {
  std::unique_ptr<SqliteDatabase> db;
  std::mutex mu;
};

// A fixed set of connections for reads, lent one at a time: reads run beside each other and
// beside the writer (WAL), and a long history scan holds only the connection it reads on.
// Thread-safe.
class SqliteReaders {
 public:
  // A connection lent until the lease is destroyed.
  class Lease {
   public:
    Lease(SqliteReaders& owner, std::unique_ptr<SqliteDatabase> db)
        : owner_(owner), db_(std::move(db)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { owner_.give_back(std::move(db_)); }
    SqliteDatabase* operator->() const { return db_.get(); }

   private:
    SqliteReaders& owner_;
    std::unique_ptr<SqliteDatabase> db_;
  };

  // `count` connections to `path`; the first error opening one.
  static Result<std::unique_ptr<SqliteReaders>> open(const std::filesystem::path& path, int count);
  // A free connection, waiting while every one is lent.
  Lease acquire();

 private:
  void give_back(std::unique_ptr<SqliteDatabase> db);

  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<SqliteDatabase>> free_;
};

// Steps `statement` to its end, mapping each row with `read(const Statement&)`.
template <typename Read>
auto read_all(Statement& statement, Read read)
    -> Result<std::vector<std::invoke_result_t<Read, const Statement&>>> {
  std::vector<std::invoke_result_t<Read, const Statement&>> out;
  while (true) {
    auto row = statement.step();
    if (!row) return row.status();
    if (!*row) return out;
    out.push_back(read(statement));
  }
}

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back when it fails.
template <typename Body>
Status in_transaction(SqliteDatabase& db, Body&& body) {
  TC_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (!s.is_ok()) {
    (void)db.exec("ROLLBACK");
    return s;
  }
  return db.exec("COMMIT");
}

}  // namespace tc::storage
