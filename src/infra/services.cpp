// The four services of the local infrastructure (see infra.hpp).
#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "infra/infra.hpp"
#include "infra/process.hpp"
#include "net/http_client.hpp"

namespace tc::infra {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Polls `ready` every 100 ms until it holds or `timeout` passes.
template <typename Ready>
bool wait_until(Ready ready, Duration timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(100ms);
  }
}

Status make_dirs(std::initializer_list<fs::path> dirs) {
  for (const fs::path& d : dirs) {
    std::error_code ec;
    fs::create_directories(d, ec);
    if (ec) return unavailable("cannot create " + d.string() + ": " + ec.message());
  }
  return Status::ok();
}

Status write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return unavailable("cannot write " + path.string());
  return Status::ok();
}

// The last `n` lines of a log, to explain a failed start.
std::string tail_of(const fs::path& log, int n = 15) {
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (static_cast<int>(lines.size()) > n) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

// Where clients on this machine reach a service listening on `host`.
std::string local_address(const std::string& host) {
  return host == "0.0.0.0" || host == "::" || host.empty() ? "127.0.0.1" : host;
}

bool is_loopback(const std::string& host) {
  return host.starts_with("127.") || host == "localhost" || host == "::1";
}

// A value in double quotes, as redis.conf and postgresql.conf read them.
std::string conf_quoted(std::string_view v, char quote) {
  std::string out(1, quote);
  for (char c : v) {
    if (c == quote || c == '\\') out += '\\';
    out += c;
  }
  return out + quote;
}

pid_t pid_from_file(const fs::path& file) { return running_pid(file).value_or(0); }

// Reads the first line a TCP server sends on connect (NATS's INFO); empty when none comes.
std::string first_line(const std::string& host, int port, Duration timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string line;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1 &&
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    auto until = std::chrono::steady_clock::now() + timeout;
    char buf[512];
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return line.substr(0, line.find('\n'));
}

class Postgres final : public Service {
 public:
  explicit Postgres(const InfraSettings& s) : s_(s) {}

  std::string_view name() const override { return "postgres"; }
  std::vector<std::string> packages() const override {
    std::vector<std::string> p{"postgresql-15"};
    if (is_root()) p.push_back("acl");  // setfacl, for the postgres user's passage
    return p;
  }
  std::vector<fs::path> data() const override { return {data_dir()}; }

  Status start(const Say& say) override {
    auto bin = binaries();
    if (!bin) return bin.status();
    TC_RETURN_IF_ERROR(make_dirs({data_dir(), s_.dir("postgres/config"), s_.dir("postgres/init"),
                                  run_dir(), s_.dir("logs")}));
    if (is_root()) {
      TC_RETURN_IF_ERROR(grant_passage(s_.root, "postgres", say));
      for (const fs::path& p : {data_dir(), run_dir()}) TC_RETURN_IF_ERROR(chown_postgres(p));
      if (!fs::exists(s_.log("postgres"))) TC_RETURN_IF_ERROR(write_file(s_.log("postgres"), ""));
      TC_RETURN_IF_ERROR(chown_postgres(s_.log("postgres")));
    }
    if (status().healthy) {
      say("postgres: already running on " + address());
      return Status::ok();
    }
    if (!fs::exists(data_dir() / "PG_VERSION")) {
      say("postgres: initializing " + data_dir().string());
      fs::permissions(data_dir(), fs::perms::owner_all, fs::perm_options::replace);
      TC_RETURN_IF_ERROR(run_checked(
          "initdb",
          {(*bin / "initdb").string(), "-D", data_dir().string(), "-U", superuser(),
           "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"},
          as_postgres()));
      std::ofstream(data_dir() / "postgresql.conf", std::ios::app)
          << "\n# tradecluster infra: the settings from .env and the seed's tuning\n"
          << "include_if_exists = " << conf_quoted(config_file().string(), '\'') << "\n";
    }
    TC_RETURN_IF_ERROR(write_config());
    say("postgres: starting on " + address());
    Status started = run_checked("pg_ctl start",
                                 {(*bin / "pg_ctl").string(), "-D", data_dir().string(), "-l",
                                  s_.log("postgres").string(), "-w", "-t", "120", "start"},
                                 as_postgres());
    if (!started.is_ok()) {
      return Status(started.code(), started.message() + tail_of(s_.log("postgres")));
    }
    return bootstrap(say);
  }

  Status stop(const Say& say) override {
    auto bin = binaries();
    if (!bin) return bin.status();
    if (!fs::exists(data_dir() / "postmaster.pid")) return Status::ok();
    say("postgres: stopping");
    auto r = run({(*bin / "pg_ctl").string(), "-D", data_dir().string(), "-m", "fast", "-w", "-t",
                  "120", "stop"},
                 as_postgres());
    if (!r) return r.status();
    // 1: not running (a stale pid file); anything else is a failure.
    if (r->exit_code != 0 && r->exit_code != 1) {
      return internal_error("pg_ctl stop failed: " + r->output);
    }
    return Status::ok();
  }

  ServiceStatus status() override {
    ServiceStatus st{std::string(name()), binaries().is_ok(), false, false, "", address(), 0};
    if (!st.installed) {
      st.check = "not installed";
      return st;
    }
    std::ifstream pid_file(data_dir() / "postmaster.pid");
    long pid = 0;
    if (pid_file >> pid && pid > 0 && kill(static_cast<pid_t>(pid), 0) == 0) {
      st.pid = static_cast<pid_t>(pid);
    }
    // pg_isready's check: the server's answer to a connection attempt, without logging in.
    std::string info = "host=" + local_address(s_.host) +
                       " port=" + std::to_string(s_.postgres_port) +
                       " dbname=postgres connect_timeout=2";
    switch (PQping(info.c_str())) {
      case PQPING_OK:
        st.check = "accepting connections";
        st.healthy = st.running = true;
        break;
      case PQPING_REJECT:
        st.check = "rejecting connections";
        st.running = true;
        break;
      default:
        st.check = "no response";
        st.running = st.pid != 0;
    }
    return st;
  }

 private:
  fs::path data_dir() const { return s_.dir("postgres/data"); }
  fs::path run_dir() const { return s_.dir("postgres/run"); }
  fs::path config_file() const { return s_.dir("postgres/config") / "postgresql.conf"; }
  std::string address() const { return s_.host + ":" + std::to_string(s_.postgres_port); }

  // The unix socket's directory: ours, unless its path is too long for a socket name.
  std::string socket_dir() const {
    std::string dir = run_dir().string();
    return dir.size() + 20 < sizeof(sockaddr_un{}.sun_path) ? dir : "/tmp";
  }

  // initdb refuses to run as root: as root, PostgreSQL's tools run as the postgres user, whose
  // server then owns the data directory, and the database superuser is "postgres"; otherwise
  // they run as the caller, the superuser named after them (so that peer login matches).
  static RunOptions as_postgres() {
    RunOptions o;
    if (is_root()) o.as_user = "postgres";
    return o;
  }
  static std::string superuser() {
    if (is_root()) return "postgres";
    passwd* pw = getpwuid(geteuid());
    return pw != nullptr ? pw->pw_name : "postgres";
  }
  static Status chown_postgres(const fs::path& p) {
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr) return failed_precondition("no postgres user: is postgresql-15 installed?");
    if (chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return unavailable("cannot give " + p.string() + " to the postgres user");
    }
    return Status::ok();
  }

  // Debian keeps the server's programs off PATH, in /usr/lib/postgresql/<version>/bin.
  static Result<fs::path> binaries() {
    auto initdb = find_program({"/usr/lib/postgresql/15/bin/initdb"});
    if (!initdb) {
      return failed_precondition(
          "PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin): apt-get install "
          "postgresql-15");
    }
    return initdb->parent_path();
  }

  // The settings from .env and the seed's tuning, rewritten at every start.
  Status write_config() const {
    std::string conf =
        "# Written by `tradecluster infra start` from .env at every start: edit .env instead.\n"
        "listen_addresses = " +
        conf_quoted(s_.host, '\'') + "\nport = " + std::to_string(s_.postgres_port) +
        "\nunix_socket_directories = " + conf_quoted(socket_dir(), '\'') +
        "\nhba_file = " + conf_quoted((s_.dir("postgres/config") / "pg_hba.conf").string(), '\'') +
        "\n"
        "shared_buffers = 256MB\n"
        "effective_cache_size = 1GB\n"
        "max_connections = 200\n"
        "work_mem = 4MB\n"
        "maintenance_work_mem = 64MB\n"
        "shared_preload_libraries = 'pg_stat_statements'\n"
        "password_encryption = 'scram-sha-256'\n"
        "log_line_prefix = '%m [%p] %q%u@%d '\n";
    TC_RETURN_IF_ERROR(write_file(config_file(), conf));
    std::string hba =
        "# Written by `tradecluster infra start` at every start.\n"
        "# The superuser logs in only through the unix socket, as the matching system user.\n"
        "local all all peer\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
        "host all all ::1/128 scram-sha-256\n";
    if (!is_loopback(s_.host)) {
      hba += "host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n";
    }
    return write_file(s_.dir("postgres/config") / "pg_hba.conf", hba);
  }

  // The seed's user and database (made or brought up to date with .env), pg_stat_statements in
  // it, and at the first start the scripts of ./postgres/init in name order, run as that user.
  Status bootstrap(const Say& say) {
    auto bin = binaries();
    if (!bin) return bin.status();
    fs::path script = run_dir() / "bootstrap.sql";
    TC_RETURN_IF_ERROR(
        write_file(script,
                   "SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'user') WHERE NOT EXISTS "
                   "(SELECT FROM pg_roles WHERE rolname = :'user') \\gexec\n"
                   "SELECT format('ALTER ROLE %I PASSWORD %L', :'user', :'password') \\gexec\n"
                   "SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user') WHERE NOT EXISTS "
                   "(SELECT FROM pg_database WHERE datname = :'db') \\gexec\n"
                   "\\connect :\"db\"\n"
                   "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;\n"));
    auto psql = [&](const std::string& db, std::vector<std::string> extra) {
      std::vector<std::string> argv{(*bin / "psql").string(),
                                    "-X",
                                    "-q",
                                    "-v",
                                    "ON_ERROR_STOP=1",
                                    "-h",
                                    socket_dir(),
                                    "-p",
                                    std::to_string(s_.postgres_port),
                                    "-U",
                                    superuser(),
                                    "-d",
                                    db};
      argv.insert(argv.end(), extra.begin(), extra.end());
      return argv;
    };
    TC_RETURN_IF_ERROR(run_checked(
        "creating the database " + s_.postgres_db,
        psql("postgres",
             {"-v", "user=" + s_.postgres_user, "-v", "password=" + s_.postgres_password, "-v",
              "db=" + s_.postgres_db, "-f", script.string()}),
        as_postgres()));
    fs::remove(script);
    fs::path done = data_dir() / "tradecluster-init-done";
    if (fs::exists(done)) return Status::ok();
    std::vector<fs::path> scripts;
    for (const auto& e : fs::directory_iterator(s_.dir("postgres/init"))) {
      if (e.path().extension() == ".sql") scripts.push_back(e.path());
    }
    std::sort(scripts.begin(), scripts.end());
    // As the seed's user, so that what they create is its own (role is set at connection).
    RunOptions as_user = as_postgres();
    std::string role;
    for (char c : s_.postgres_user)
      role += (c == ' ' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    as_user.env = {{"PGOPTIONS", "-c role=" + role}};
    for (const fs::path& sql : scripts) {
      say("postgres: running " + sql.filename().string() + " (first start)");
      TC_RETURN_IF_ERROR(run_checked("postgres/init/" + sql.filename().string(),
                                     psql(s_.postgres_db, {"-f", sql.string()}), as_user));
    }
    return write_file(done, "init scripts of ./postgres/init ran at the first start\n");
  }

  const InfraSettings& s_;
};

class Redis final : public Service {
 public:
  explicit Redis(const InfraSettings& s) : s_(s) {}

  std::string_view name() const override { return "redis"; }
  std::vector<std::string> packages() const override { return {"redis-server"}; }
  std::vector<fs::path> data() const override { return {s_.dir("redis/data")}; }

  Status start(const Say& say) override {
    auto server = find_program({"/usr/bin/redis-server"});
    if (!server) return failed_precondition("redis-server is not installed");
    TC_RETURN_IF_ERROR(make_dirs({s_.dir("redis/data"), s_.dir("redis/config"), s_.dir("logs")}));
    if (status().healthy) {
      say("redis: already running on " + address());
      return Status::ok();
    }
    fs::path conf = s_.dir("redis/config") / "redis.conf";
    TC_RETURN_IF_ERROR(write_file(
        conf,
        "# Written by `tradecluster infra start` from .env at every start: edit .env instead.\n"
        "bind " +
            s_.host + "\nport " + std::to_string(s_.redis_port) + "\nrequirepass " +
            conf_quoted(s_.redis_password, '"') +
            "\nmaxmemory 512mb\nmaxmemory-policy allkeys-lru\n"
            "appendonly yes\nappendfsync everysec\nsave 900 1\nsave 300 10\nsave 60 10000\n"
            "dir " +
            conf_quoted(s_.dir("redis/data").string(), '"') + "\nlogfile " +
            conf_quoted(s_.log("redis").string(), '"') + "\npidfile " +
            conf_quoted(pid_file().string(), '"') + "\ndaemonize yes\n"));
    say("redis: starting on " + address());
    TC_RETURN_IF_ERROR(run_checked("redis-server", {server->string(), conf.string()}));
    if (!wait_until([&] { return status().healthy; }, 60s)) {
      return unavailable("redis did not answer PING within 60 s; its log:" +
                         tail_of(s_.log("redis")));
    }
    return Status::ok();
  }

  Status stop(const Say& say) override {
    pid_t pid = pid_from_file(pid_file());
    if (pid == 0) return Status::ok();
    say("redis: stopping (it saves its data first)");
    if (!terminate(pid, 120s))
      return unavailable("redis (pid " + std::to_string(pid) + ") did not stop");
    return Status::ok();
  }

  ServiceStatus status() override {
    ServiceStatus st{std::string(name()),
                     find_program({"/usr/bin/redis-server"}).has_value(),
                     false,
                     false,
                     "",
                     address(),
                     pid_from_file(pid_file())};
    timeval tv{2, 0};
    redisContext* c = redisConnectWithTimeout(local_address(s_.host).c_str(), s_.redis_port, tv);
    if (c == nullptr || c->err != 0) {
      st.check = "no response";
    } else {
      redisSetTimeout(c, tv);
      auto* auth = static_cast<redisReply*>(redisCommand(c, "AUTH %s", s_.redis_password.c_str()));
      if (auth != nullptr) freeReplyObject(auth);
      auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
      st.running = r != nullptr;
      st.check = r == nullptr ? "no response" : std::string(r->str, r->len);
      st.healthy = st.check == "PONG";
      if (r != nullptr) freeReplyObject(r);
    }
    if (c != nullptr) redisFree(c);
    st.running = st.running || st.pid != 0;
    return st;
  }

 private:
  fs::path pid_file() const { return s_.dir("redis/data") / "redis.pid"; }
  std::string address() const { return s_.host + ":" + std::to_string(s_.redis_port); }
  const InfraSettings& s_;
};

class Nats final : public Service {
 public:
  explicit Nats(const InfraSettings& s) : s_(s) {}

  std::string_view name() const override { return "nats"; }
  std::vector<std::string> packages() const override { return {"nats-server"}; }
  std::vector<fs::path> data() const override { return {s_.dir("nats")}; }

  Status start(const Say& say) override {
    auto server = program();
    if (!server) return failed_precondition("nats-server is not installed");
    TC_RETURN_IF_ERROR(make_dirs({s_.dir("nats"), s_.dir("logs")}));
    if (status().healthy) {
      say("nats: already running on " + address());
      return Status::ok();
    }
    say("nats: starting on " + address());
    auto pid = spawn_detached({server->string(), "-a", s_.host, "-p", std::to_string(s_.nats_port)},
                              s_.log("nats"), pid_file());
    if (!pid) return pid.status();
    if (!wait_until([&] { return status().healthy || !running_pid(pid_file()); }, 30s) ||
        !status().healthy) {
      return unavailable("nats-server did not answer within 30 s; its log:" +
                         tail_of(s_.log("nats")));
    }
    return Status::ok();
  }

  Status stop(const Say& say) override {
    pid_t pid = pid_from_file(pid_file());
    if (pid == 0) return Status::ok();
    say("nats: stopping");
    if (!terminate(pid, 30s)) return unavailable("nats-server did not stop");
    return Status::ok();
  }

  ServiceStatus status() override {
    ServiceStatus st{std::string(name()), program().has_value(),    false, false, "",
                     address(),           pid_from_file(pid_file())};
    std::string info = first_line(local_address(s_.host), s_.nats_port, 2s);
    st.healthy = info.starts_with("INFO ");
    st.running = st.healthy || st.pid != 0;
    st.check = st.healthy ? "INFO received" : "no response";
    return st;
  }

 private:
  static std::optional<fs::path> program() {
    return find_program({"/usr/sbin/nats-server", "/usr/bin/nats-server"});
  }
  fs::path pid_file() const { return s_.dir("nats") / "nats.pid"; }
  std::string address() const { return s_.host + ":" + std::to_string(s_.nats_port); }
  const InfraSettings& s_;
};

constexpr const char* kAdminerPhp = "/usr/share/adminer/adminer.php";

class Adminer final : public Service {
 public:
  explicit Adminer(const InfraSettings& s) : s_(s) {}

  std::string_view name() const override { return "adminer"; }
  std::vector<std::string> packages() const override { return {"php-cli", "php-pgsql", "adminer"}; }
  bool required() const override { return false; }
  std::vector<fs::path> data() const override { return {}; }

  Status start(const Say& say) override {
    if (!installed()) {
      return failed_precondition(
          "Adminer needs PHP: apt-get install php-cli php-pgsql adminer; meanwhile use psql " +
          s_.postgres_url());
    }
    TC_RETURN_IF_ERROR(make_dirs({s_.dir("adminer"), s_.dir("logs")}));
    if (status().healthy) {
      say("adminer: already serving on " + address());
      return Status::ok();
    }
    TC_RETURN_IF_ERROR(write_file(s_.dir("adminer") / "index.php",
                                  std::string("<?php include '") + kAdminerPhp + "';\n"));
    say("adminer: serving on " + address() + " (PHP's built-in server)");
    auto pid = spawn_detached({"/usr/bin/php", "-S", address(), "-t", s_.dir("adminer").string()},
                              s_.log("adminer"), pid_file());
    if (!pid) return pid.status();
    if (!wait_until([&] { return status().healthy || !running_pid(pid_file()); }, 30s) ||
        !status().healthy) {
      return unavailable("Adminer did not answer within 30 s; its log:" +
                         tail_of(s_.log("adminer")));
    }
    return Status::ok();
  }

  Status stop(const Say& say) override {
    pid_t pid = pid_from_file(pid_file());
    if (pid == 0) return Status::ok();
    say("adminer: stopping");
    if (!terminate(pid, 10s)) return unavailable("Adminer's PHP server did not stop");
    return Status::ok();
  }

  ServiceStatus status() override {
    ServiceStatus st{std::string(name()),      installed(), false, false, "", address(),
                     pid_from_file(pid_file())};
    if (!st.installed) {
      st.check = "not installed (apt-get install php-cli php-pgsql adminer)";
      return st;
    }
    net::HttpCall call;
    call.host = local_address(s_.host);
    call.port = static_cast<uint16_t>(s_.adminer_port);
    call.timeout = 3s;
    auto r = net::http_request(call);
    st.healthy = r && r->status == 200;
    st.running = st.healthy || st.pid != 0;
    st.check = r ? "HTTP " + std::to_string(r->status) : "no response";
    return st;
  }

 private:
  static bool installed() {
    return find_program({"/usr/bin/php"}).has_value() && fs::exists(kAdminerPhp);
  }
  fs::path pid_file() const { return s_.dir("adminer") / "adminer.pid"; }
  std::string address() const { return s_.host + ":" + std::to_string(s_.adminer_port); }
  const InfraSettings& s_;
};

}  // namespace

std::vector<std::unique_ptr<Service>> make_services(const InfraSettings& settings) {
  std::vector<std::unique_ptr<Service>> all;
  all.push_back(std::make_unique<Postgres>(settings));
  all.push_back(std::make_unique<Redis>(settings));
  all.push_back(std::make_unique<Nats>(settings));
  all.push_back(std::make_unique<Adminer>(settings));
  return all;
}

}  // namespace tc::infra
