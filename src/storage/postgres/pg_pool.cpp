#include "storage/postgres/pg_pool.hpp"

#include <algorithm>
#include <charconv>

namespace tc::storage {
namespace {

// A value in a libpq connection string: single-quoted, with \ and ' escaped.
std::string quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// %XX escapes of a URL part.
Result<std::string> percent_decoded(std::string_view part) {
  std::string out;
  for (size_t i = 0; i < part.size(); ++i) {
    if (part[i] != '%') {
      out += part[i];
      continue;
    }
    int value = 0;
    if (i + 2 >= part.size() ||
        std::from_chars(part.data() + i + 1, part.data() + i + 3, value, 16).ptr !=
            part.data() + i + 3) {
      return invalid_argument("bad %-escape in '" + std::string(part) + "'");
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

}  // namespace

std::string PgOptions::conninfo() const {
  auto seconds = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(connect_timeout).count());
  std::string info = "host=" + quoted(host) + " port=" + std::to_string(port) +
                     " dbname=" + quoted(dbname) + " user=" + quoted(user) +
                     " connect_timeout=" + std::to_string(seconds) +
                     " application_name=tradecluster";
  if (!password.empty()) info += " password=" + quoted(password);
  return info;
}

std::string PgOptions::display() const {
  return "postgresql://" + user + "@" + host + ":" + std::to_string(port) + "/" + dbname;
}

Result<PgOptions> parse_postgres_url(std::string_view url, PgOptions base) {
  std::string_view rest;
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (url.starts_with(scheme)) rest = url.substr(scheme.size());
  }
  if (rest.data() == nullptr) {
    return invalid_argument("expected postgresql://[user[:password]@]host[:port][/dbname], got '" +
                            std::string(url) + "'");
  }
  rest = rest.substr(0, rest.find('?'));
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (slash + 1 < rest.size()) {
      TC_ASSIGN_OR_RETURN(base.dbname, percent_decoded(rest.substr(slash + 1)));
    }
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    auto colon = auth.find(':');
    TC_ASSIGN_OR_RETURN(base.user, percent_decoded(auth.substr(0, colon)));
    if (colon != std::string_view::npos) {
      TC_ASSIGN_OR_RETURN(base.password, percent_decoded(auth.substr(colon + 1)));
    }
    rest = rest.substr(at + 1);
  }
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos && !rest.ends_with(']')) {
    std::string_view digits = rest.substr(colon + 1);
    int port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 1 ||
        port > 65535) {
      return invalid_argument("bad port in '" + std::string(url) + "'");
    }
    base.port = port;
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) base.host = std::string(rest);
  return base;
}

Result<PgPool::Lease> PgPool::acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  while (true) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(conn));
    }
    if (open_ < options_.pool_size) break;
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size) {
      return unavailable(
          "PostgreSQL: all " + std::to_string(options_.pool_size) +
          " connections stayed busy for " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(options_.acquire_timeout).count()) +
          " s");
    }
  }
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
    return unavailable(last_error_ + " (next attempt in " + std::to_string(wait.count()) + " ms)");
  }
  ++open_;  // the slot is ours while connecting, outside the lock
  lock.unlock();
  auto conn = PgConnection::connect(options_.conninfo());
  lock.lock();
  if (!conn) {
    --open_;
    backoff_ =
        std::clamp<Duration>(backoff_ * 2, std::chrono::milliseconds(100), options_.max_backoff);
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    last_error_ = conn.status().message() + " [" + options_.display() + "]";
    freed_.notify_one();
    return unavailable(last_error_);
  }
  backoff_ = Duration{0};
  next_attempt_ = {};
  return Lease(*this, std::move(conn).value());
}

void PgPool::give_back(std::unique_ptr<PgConnection> conn) {
  std::vector<std::unique_ptr<PgConnection>> dropped;
  {
    std::lock_guard lock(mu_);
    if (conn->broken()) {
      // A lost connection most often means a restarted server, which took the idle ones too.
      dropped = std::move(idle_);
      idle_.clear();
      open_ -= 1 + static_cast<int>(dropped.size());
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  freed_.notify_all();
  // Lost connections are closed here, outside the lock.
}

}  // namespace tc::storage
