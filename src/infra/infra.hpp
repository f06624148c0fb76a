// The local infrastructure of the seed's infra.py, as processes from Debian's packages instead of
// containers: PostgreSQL 15, Redis 7, nats-server and Adminer (in place of pgAdmin, which Debian
// does not package), each under one root directory laid out as the seed's volumes:
//
//   postgres/data  postgres/config  postgres/init  postgres/run
//   redis/data     redis/config     nats/          adminer/        logs/<service>.log
//
// Ports and passwords come from .env (the seed's names and defaults). Services are started
// detached, so they outlive the command; each start rewrites the service's configuration from
// .env, and a running service is left as it is.
// Thread-safety: none; one command drives it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_source.hpp"
#include "core/status.hpp"

namespace tc::infra {

struct InfraSettings {
  std::filesystem::path root;              // absolute
  std::string host = "127.0.0.1";          // TC_INFRA_HOST: the address every service listens on
  std::string postgres_db = "raycluster";  // POSTGRES_DB
  std::string postgres_user = "rayuser";   // POSTGRES_USER
  std::string postgres_password = "raypassword";       // POSTGRES_PASSWORD
  int postgres_port = 5432;                            // POSTGRES_PORT
  std::string redis_password = "redispassword";        // REDIS_PASSWORD
  int redis_port = 6379;                               // REDIS_PORT
  int nats_port = 10000;                               // NATS_PORT
  int adminer_port = 8080;                             // PGADMIN_PORT
  std::string pgadmin_email = "admin@raycluster.com";  // PGADMIN_EMAIL (shown by info)

  std::filesystem::path dir(std::string_view sub) const { return root / sub; }
  std::filesystem::path log(std::string_view service) const {
    return root / "logs" / (std::string(service) + ".log");
  }
  // Connection strings, with the passwords (info prints them, as the seed's does).
  std::string postgres_url() const;
  std::string redis_url() const;
  std::string nats_url() const;
  std::string adminer_url() const;
};

// Reads the seed's variables (environment over .env over the seed's defaults).
Result<InfraSettings> load_infra_settings(const ConfigSource& source,
                                          const std::filesystem::path& root);

// What a service is doing, as its own check says (pg_isready, PING, the NATS INFO line, an
// HTTP answer).
struct ServiceStatus {
  std::string name;
  bool installed = true;
  bool running = false;
  bool healthy = false;
  std::string check;    // "accepting connections", "PONG", …, or why not
  std::string address;  // host:port
  pid_t pid = 0;        // 0 when not known
};

// Progress lines for the user ("postgres: initializing ./postgres/data").
using Say = std::function<void(const std::string&)>;

class Service {
 public:
  virtual ~Service() = default;
  virtual std::string_view name() const = 0;
  // The Debian packages it needs.
  virtual std::vector<std::string> packages() const = 0;
  // False for a service whose absence is not an error (Adminer).
  virtual bool required() const { return true; }
  // Starts the service unless it runs already, and waits until its check passes.
  virtual Status start(const Say& say) = 0;
  // Stops it gracefully; ok when it was not running.
  virtual Status stop(const Say& say) = 0;
  virtual ServiceStatus status() = 0;
  // The data `cleanup` removes.
  virtual std::vector<std::filesystem::path> data() const = 0;
};

// The four services, in start order: postgres, redis, nats, adminer.
std::vector<std::unique_ptr<Service>> make_services(const InfraSettings& settings);

// Installs the packages `services` need that are missing (apt-get, as the README's set-up does):
// as root directly, otherwise through `sudo -n`; failed_precondition naming the command to run
// when neither can.
Status install_missing(const std::vector<Service*>& services, const Say& say);

// Starts `services` in order, installing the packages they need first. A required service that
// fails ends the start with its error; an optional one (Adminer) is reported through `say` and
// left out.
Status start_services(const std::vector<Service*>& services, const Say& say);
// Stops `services` in reverse order; the first error, after trying every one.
Status stop_services(const std::vector<Service*>& services, const Say& say);

// Gives `user` passage (search permission, nothing more) through each directory above `path`
// it cannot enter — the postgres user cannot enter /root — by an ACL, or o+x where ACLs are
// not supported. Only root needs this.
Status grant_passage(const std::filesystem::path& path, const std::string& user, const Say& say);

}  // namespace tc::infra
