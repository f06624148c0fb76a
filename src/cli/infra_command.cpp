#include "cli/infra_command.hpp"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "core/config_source.hpp"
#include "core/json.hpp"

namespace tc::cli {
namespace {

namespace fs = std::filesystem;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void say(const std::string& line) { std::cerr << "infra: " << line << "\n"; }

int fail(const Status& s, int code = kExitFailure) {
  std::cerr << "tradecluster infra: " << s.message() << "\n";
  return code;
}

// The services named by --service (all when none), in start order.
Result<std::vector<infra::Service*>> select(const std::vector<std::unique_ptr<infra::Service>>& all,
                                            const std::vector<std::string>& names) {
  std::vector<infra::Service*> out;
  for (const auto& s : all) {
    if (names.empty() ||
        std::find(names.begin(), names.end(), std::string(s->name())) != names.end()) {
      out.push_back(s.get());
    }
  }
  for (const auto& n : names) {
    bool known = std::any_of(all.begin(), all.end(), [&](const auto& s) { return s->name() == n; });
    if (!known) {
      return invalid_argument("unknown service '" + n +
                              "': expected postgres, redis, nats or adminer");
    }
  }
  return out;
}

int print_status(const std::vector<infra::Service*>& services, bool as_json, bool chosen) {
  std::vector<infra::ServiceStatus> all;
  for (infra::Service* s : services) all.push_back(s->status());
  // Healthy means every required service answers (and Adminer when asked for by name).
  bool ok = true;
  for (size_t i = 0; i < all.size(); ++i) {
    if ((services[i]->required() || chosen) && !all[i].healthy) ok = false;
  }
  if (as_json) {
    json::array rows;
    for (const auto& st : all) {
      rows.push_back(json::object{{"name", st.name},
                                  {"installed", st.installed},
                                  {"running", st.running},
                                  {"healthy", st.healthy},
                                  {"check", st.check},
                                  {"address", st.address},
                                  {"pid", st.pid}});
    }
    std::cout << to_json(json::object{{"status", ok ? "healthy" : "unhealthy"},
                                      {"services", std::move(rows)}})
              << "\n";
    return ok ? 0 : kExitFailure;
  }
  std::printf("%-10s %-13s %-24s %-22s %s\n", "SERVICE", "STATE", "CHECK", "ADDRESS", "PID");
  for (const auto& st : all) {
    const char* state = !st.installed ? "not installed"
                        : st.healthy  ? "running"
                        : st.running  ? "unhealthy"
                                      : "stopped";
    std::printf("%-10s %-13s %-24s %-22s %s\n", st.name.c_str(), state, st.check.c_str(),
                st.address.c_str(), st.pid > 0 ? std::to_string(st.pid).c_str() : "-");
  }
  return ok ? 0 : kExitFailure;
}

void print_info(const infra::InfraSettings& s) {
  std::string pg_host = s.host == "0.0.0.0" ? "127.0.0.1" : s.host;
  std::cout << "PostgreSQL " << s.host << ":" << s.postgres_port << "\n"
            << "  url       " << s.postgres_url() << "\n"
            << "  psql      psql 'postgresql://" << s.postgres_user << "@" << pg_host << ":"
            << s.postgres_port << "/" << s.postgres_db << "'  (password " << s.postgres_password
            << ")\n"
            << "  data      " << (s.root / "postgres/data").string() << "\n"
            << "  init      " << (s.root / "postgres/init").string()
            << "  (*.sql, run once at the first start)\n"
            << "Redis " << s.host << ":" << s.redis_port << "\n"
            << "  url       " << s.redis_url() << "\n"
            << "  redis-cli redis-cli -h " << pg_host << " -p " << s.redis_port << " -a '"
            << s.redis_password << "' ping\n"
            << "  data      " << (s.root / "redis/data").string() << "\n"
            << "NATS\n"
            << "  url       " << s.nats_url() << "\n"
            << "Adminer (in place of pgAdmin)\n"
            << "  url       " << s.adminer_url() << "\n"
            << "  login     system PostgreSQL, server " << pg_host << ":" << s.postgres_port
            << ", user " << s.postgres_user << ", database " << s.postgres_db << "\n"
            << "Logs        " << (s.root / "logs").string()
            << "/{postgres,redis,nats,adminer}.log\n"
            << "A node on these services:\n"
            << "  TC_STORE=postgres TC_CACHE=redis tradecluster start   (or: tradecluster start "
               "--with-infra)\n";
  if (s.postgres_password == "raypassword" || s.redis_password == "redispassword") {
    std::cout << "Warning: the seed's published passwords are in use: set POSTGRES_PASSWORD and "
                 "REDIS_PASSWORD in .env before exposing these services.\n";
  }
}

// Prints the last `lines` lines of each log, then, when following, what is appended to any of
// them (prefixed by the service's name when there are several) until interrupted.
int print_logs(const infra::InfraSettings& s, const std::vector<infra::Service*>& services,
               int lines, bool follow) {
  std::vector<std::pair<std::string, fs::path>> files;
  for (infra::Service* svc : services) files.emplace_back(svc->name(), s.log(svc->name()));
  return print_log_files(files, lines, follow);
}

}  // namespace

int print_log_files(const std::vector<std::pair<std::string, fs::path>>& files, int lines,
                    bool follow) {
  struct Log {
    std::string name;
    fs::path path;
    std::streamoff offset = 0;
  };
  std::vector<Log> logs;
  for (const auto& [name, path] : files) logs.push_back({name, path});
  bool several = logs.size() > 1;
  for (Log& log : logs) {
    std::ifstream in(log.path);
    std::vector<std::string> tail;
    for (std::string line; std::getline(in, line);) {
      tail.push_back(std::move(line));
      if (static_cast<int>(tail.size()) > lines) tail.erase(tail.begin());
    }
    in.clear();
    log.offset = in.tellg() < 0 ? 0 : static_cast<std::streamoff>(in.tellg());
    if (several) std::cout << "==> " << log.path.string() << " <==\n";
    if (!fs::exists(log.path)) std::cout << "(no log yet: " << log.name << " has not run here)\n";
    for (const auto& line : tail) std::cout << line << "\n";
  }
  std::cout << std::flush;
  while (follow) {
    bool any = false;
    for (Log& log : logs) {
      std::error_code ec;
      auto size = static_cast<std::streamoff>(fs::file_size(log.path, ec));
      if (ec) continue;
      if (size < log.offset) log.offset = 0;  // truncated or replaced: from its start
      if (size == log.offset) continue;
      std::ifstream in(log.path);
      in.seekg(log.offset);
      std::string line;
      while (std::getline(in, line)) {
        if (in.eof()) break;  // a line still being written: read it whole next time
        std::cout << (several ? log.name + " | " : "") << line << "\n";
        log.offset = in.tellg();
        any = true;
      }
    }
    if (any) std::cout << std::flush;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return 0;
}

namespace {

int cleanup(const infra::InfraSettings& s, const std::vector<infra::Service*>& services, bool yes) {
  std::vector<fs::path> doomed;
  for (infra::Service* svc : services) {
    for (const fs::path& p : svc->data()) doomed.push_back(p);
    doomed.push_back(s.log(svc->name()));
  }
  std::cout << "This stops the services and removes:\n";
  for (const auto& p : doomed) std::cout << "  " << p.string() << "\n";
  if (!yes) {
    if (!isatty(STDIN_FILENO)) {
      return fail(failed_precondition("cleanup removes every stored row: confirm with --yes"),
                  kExitUsage);
    }
    std::cout << "Remove them? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::cout << "Nothing removed.\n";
      return kExitFailure;
    }
  }
  if (Status st = infra::stop_services(services, say); !st.is_ok()) return fail(st);
  for (const auto& p : doomed) {
    std::error_code ec;
    fs::remove_all(p, ec);
    if (ec) return fail(unavailable("cannot remove " + p.string() + ": " + ec.message()));
  }
  std::cout << "Removed. `tradecluster infra start` begins afresh.\n";
  return 0;
}

}  // namespace

Result<infra::InfraSettings> infra_settings(const std::string& dir, const std::string& env_file) {
  fs::path env = env_file.empty() ? fs::path(dir) / ".env" : fs::path(env_file);
  auto source = ConfigSource::load({}, env);
  if (!source) return source.status();
  return infra::load_infra_settings(*source, dir);
}

Status start_infra(const infra::InfraSettings& settings) {
  auto all = infra::make_services(settings);
  std::vector<infra::Service*> services;
  for (const auto& s : all) services.push_back(s.get());
  return infra::start_services(services, say);
}

Status stop_infra(const infra::InfraSettings& settings) {
  auto all = infra::make_services(settings);
  std::vector<infra::Service*> services;
  for (const auto& s : all) services.push_back(s.get());
  return infra::stop_services(services, say);
}

int run_infra(const InfraFlags& flags) {
  auto settings = infra_settings(flags.dir, flags.env_file);
  if (!settings) return fail(settings.status(), kExitUsage);
  auto all = infra::make_services(*settings);
  auto chosen = select(all, flags.services);
  if (!chosen) return fail(chosen.status(), kExitUsage);
  const std::string& a = flags.action;
  if (a == "start" || a == "restart") {
    if (a == "restart") {
      if (Status s = infra::stop_services(*chosen, say); !s.is_ok()) return fail(s);
    }
    if (Status s = infra::start_services(*chosen, say); !s.is_ok()) return fail(s);
    print_status(*chosen, false, !flags.services.empty());
    std::cout << "Connection strings: tradecluster infra info\n";
    return 0;
  }
  if (a == "stop") {
    if (Status s = infra::stop_services(*chosen, say); !s.is_ok()) return fail(s);
    std::cout << "infrastructure stopped\n";
    return 0;
  }
  if (a == "status") return print_status(*chosen, flags.json, !flags.services.empty());
  if (a == "logs") return print_logs(*settings, *chosen, flags.lines, flags.follow);
  if (a == "info") {
    print_info(*settings);
    return 0;
  }
  if (a == "cleanup") return cleanup(*settings, *chosen, flags.yes);
  return fail(invalid_argument("unknown infra action '" + a + "'"), kExitUsage);
}

}  // namespace tc::cli
