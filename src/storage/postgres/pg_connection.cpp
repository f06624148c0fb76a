#include "storage/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace tc::storage {
namespace {

std::string to_text(int64_t value) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  return std::string(buf, end);
}

// libpq's messages span lines ("…failed: Connection refused\n\tIs the server running…"); a
// Status message is one line.
std::string trimmed(const char* message) {
  std::string m;
  for (const char* c = message == nullptr ? "" : message; *c != '\0'; ++c) {
    bool space = *c == '\n' || *c == '\t';
    if (space && (m.empty() || m.back() == ' ')) continue;
    m += space ? ' ' : *c;
  }
  while (!m.empty() && m.back() == ' ') m.pop_back();
  return m;
}

StatusCode code_of_sqlstate(std::string_view state) {
  if (state == "23505") return StatusCode::kAlreadyExists;
  if (state.starts_with("08") || state.starts_with("57P") || state == "53300") {
    return StatusCode::kUnavailable;  // connection lost, server shutting down, too many clients
  }
  if (state.starts_with("22") || state.starts_with("23")) return StatusCode::kInvalidArgument;
  if (state == "40001" || state == "40P01") return StatusCode::kUnavailable;  // retry later
  if (state == "57014") return StatusCode::kDeadlineExceeded;                 // statement timeout
  return StatusCode::kInternal;
}

}  // namespace

PgParams& PgParams::add(std::string_view text) {
  values_.emplace_back(text);
  null_.push_back(false);
  return *this;
}

PgParams& PgParams::add(int64_t value) { return add(std::string_view(to_text(value))); }

PgParams& PgParams::add(double value) {
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;  // shortest exact form
  return add(std::string_view(buf, end - buf));
}

PgParams& PgParams::add(bool value) { return add(std::string_view(value ? "t" : "f")); }

PgParams& PgParams::add_null() {
  values_.emplace_back();
  null_.push_back(true);
  return *this;
}

void PgRows::Clear::operator()(pg_result* r) const { PQclear(r); }

PgRows::PgRows(pg_result* result) : result_(result) {}

int PgRows::size() const { return PQntuples(result_.get()); }

bool PgRows::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view PgRows::text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<size_t>(PQgetlength(result_.get(), row, column))};
}

int64_t PgRows::int64(int row, int column) const {
  std::string_view t = text(row, column);
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

double PgRows::real(int row, int column) const {
  std::string_view t = text(row, column);
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (t == "Infinity") return std::numeric_limits<double>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
  double v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

bool PgRows::boolean(int row, int column) const { return text(row, column) == "t"; }

int64_t PgRows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n == nullptr || *n == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& conninfo) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return unavailable("PostgreSQL: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return unavailable("PostgreSQL is unreachable: " + why);
  }
  // Notices (an extension that exists already, …) are not errors: keep them off stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

Status PgConnection::check(pg_result* result, std::string_view what) const {
  ExecStatusType st = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN) return Status::ok();
  if (broken()) {
    return unavailable("PostgreSQL connection lost during " + std::string(what) + ": " +
                       trimmed(PQerrorMessage(conn_)));
  }
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string message =
      trimmed(result == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(result));
  if (message.starts_with("ERROR:  ")) message.erase(0, 8);
  return Status(state == nullptr ? StatusCode::kUnavailable : code_of_sqlstate(state),
                "PostgreSQL: " + message);
}

Status PgConnection::exec(std::string_view sql) {
  PgRows rows(PQexec(conn_, std::string(sql).c_str()));
  return check(rows.result_.get(), "a statement");
}

Result<PgRows> PgConnection::query(const std::string& sql, const PgParams& params) {
  auto [it, fresh] = prepared_.try_emplace(sql);
  if (fresh) {
    it->second = "tc" + std::to_string(prepared_.size());
    PgRows prepared(PQprepare(conn_, it->second.c_str(), sql.c_str(), 0, nullptr));
    Status s = check(prepared.result_.get(), "prepare");
    if (!s.is_ok()) {
      prepared_.erase(it);
      return s;
    }
  }
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    values[i] = params.null_[i] ? nullptr : params.values_[i].c_str();
  }
  PgRows rows(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                             values.data(), nullptr, nullptr, 0));
  TC_RETURN_IF_ERROR(check(rows.result_.get(), "a query"));
  return rows;
}

Result<int64_t> PgConnection::copy_in(const std::string& copy_sql, std::string_view data) {
  {
    PgRows start(PQexec(conn_, copy_sql.c_str()));
    TC_RETURN_IF_ERROR(check(start.result_.get(), "COPY"));
  }
  // libpq takes at most INT_MAX bytes a call; large chunks keep the call count low.
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) break;
  }
  PQputCopyEnd(conn_, nullptr);
  int64_t copied = 0;
  Status status;
  // The COPY's own result, then nothing: read until libpq says so.
  while (pg_result* r = PQgetResult(conn_)) {
    PgRows rows(r);
    Status s = check(r, "COPY");
    if (!s.is_ok() && status.is_ok()) status = s;
    if (s.is_ok()) copied += rows.affected();
  }
  if (!status.is_ok()) return status;
  return copied;
}

void append_copy_text(std::string& row, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\':
        row += "\\\\";
        break;
      case '\t':
        row += "\\t";
        break;
      case '\n':
        row += "\\n";
        break;
      case '\r':
        row += "\\r";
        break;
      default:
        row += c;
    }
  }
}

}  // namespace tc::storage
