#include "infra/infra.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "infra/process.hpp"

namespace tc::infra {
namespace {

// %-escapes what a URL's user-info part cannot hold as it is.
std::string url_escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool package_installed(const std::string& package) {
  auto r = run({"dpkg-query", "-W", "-f=${Status}", package});
  return r && r->exit_code == 0 && r->output.find("install ok installed") != std::string::npos;
}

}  // namespace

std::string InfraSettings::postgres_url() const {
  return "postgresql://" + url_escaped(postgres_user) + ":" + url_escaped(postgres_password) + "@" +
         host + ":" + std::to_string(postgres_port) + "/" + url_escaped(postgres_db);
}

std::string InfraSettings::redis_url() const {
  return "redis://:" + url_escaped(redis_password) + "@" + host + ":" + std::to_string(redis_port) +
         "/0";
}

std::string InfraSettings::nats_url() const {
  return "nats://" + host + ":" + std::to_string(nats_port);
}

std::string InfraSettings::adminer_url() const {
  return "http://" + host + ":" + std::to_string(adminer_port) + "/?pgsql=" + host + ":" +
         std::to_string(postgres_port) + "&username=" + url_escaped(postgres_user) +
         "&db=" + url_escaped(postgres_db);
}

Result<InfraSettings> load_infra_settings(const ConfigSource& source,
                                          const std::filesystem::path& root) {
  InfraSettings s;
  std::error_code ec;
  s.root = std::filesystem::absolute(root, ec).lexically_normal();
  if (ec) return invalid_argument("bad directory " + root.string() + ": " + ec.message());
  if (s.root.has_filename() == false && s.root != s.root.root_path()) {
    s.root = s.root.parent_path();  // no trailing separator
  }
  auto port = [&](std::string_view name, int fallback, int& out) -> Status {
    int64_t v = 0;
    TC_ASSIGN_OR_RETURN(v, source.get_int(name, fallback, 1, 65535));
    out = static_cast<int>(v);
    return Status::ok();
  };
  TC_ASSIGN_OR_RETURN(s.host, source.get_string("TC_INFRA_HOST", s.host));
  TC_ASSIGN_OR_RETURN(s.postgres_db, source.get_string("POSTGRES_DB", s.postgres_db));
  TC_ASSIGN_OR_RETURN(s.postgres_user, source.get_string("POSTGRES_USER", s.postgres_user));
  TC_ASSIGN_OR_RETURN(s.postgres_password,
                      source.get_string("POSTGRES_PASSWORD", s.postgres_password));
  TC_RETURN_IF_ERROR(port("POSTGRES_PORT", s.postgres_port, s.postgres_port));
  TC_ASSIGN_OR_RETURN(s.redis_password, source.get_string("REDIS_PASSWORD", s.redis_password));
  TC_RETURN_IF_ERROR(port("REDIS_PORT", s.redis_port, s.redis_port));
  TC_RETURN_IF_ERROR(port("NATS_PORT", s.nats_port, s.nats_port));
  TC_RETURN_IF_ERROR(port("PGADMIN_PORT", s.adminer_port, s.adminer_port));
  TC_ASSIGN_OR_RETURN(s.pgadmin_email, source.get_string("PGADMIN_EMAIL", s.pgadmin_email));
  for (auto [name, value] :
       {std::pair{"POSTGRES_DB", &s.postgres_db}, std::pair{"POSTGRES_USER", &s.postgres_user}}) {
    if (value->empty() || value->size() > 63) {
      return invalid_argument(std::string(name) + ": 1 to 63 characters, got '" + *value + "'");
    }
  }
  if (s.postgres_password.empty()) return invalid_argument("POSTGRES_PASSWORD is empty");
  std::vector<int> ports{s.postgres_port, s.redis_port, s.nats_port, s.adminer_port};
  std::sort(ports.begin(), ports.end());
  if (std::adjacent_find(ports.begin(), ports.end()) != ports.end()) {
    return invalid_argument("POSTGRES_PORT, REDIS_PORT, NATS_PORT and PGADMIN_PORT must differ");
  }
  return s;
}

Status install_missing(const std::vector<Service*>& services, const Say& say) {
  std::vector<std::string> missing;
  for (Service* s : services) {
    for (const std::string& p : s->packages()) {
      if (std::find(missing.begin(), missing.end(), p) == missing.end() && !package_installed(p)) {
        missing.push_back(p);
      }
    }
  }
  if (missing.empty()) return Status::ok();
  std::string list;
  for (const auto& p : missing) list += (list.empty() ? "" : " ") + p;
  std::vector<std::string> prefix;
  if (!is_root()) {
    auto sudo = run({"sudo", "-n", "true"});
    if (!sudo || sudo->exit_code != 0) {
      return failed_precondition("missing Debian packages: " + list +
                                 "; install them as root: apt-get install " + list);
    }
    prefix = {"sudo", "-n"};
  }
  say("installing " + list + " (apt-get)");
  RunOptions loud;
  loud.quiet = false;
  loud.env = {{"DEBIAN_FRONTEND", "noninteractive"}};
  auto with_prefix = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    return argv;
  };
  TC_RETURN_IF_ERROR(
      run_checked("apt-get update", with_prefix({"apt-get", "update", "-qq"}), loud));
  std::vector<std::string> install{"apt-get", "install", "-y", "-qq", "--no-install-recommends"};
  install.insert(install.end(), missing.begin(), missing.end());
  return run_checked("apt-get install " + list, with_prefix(install), loud);
}

Status start_services(const std::vector<Service*>& services, const Say& say) {
  std::vector<Service*> required, optional;
  for (Service* s : services) (s->required() ? required : optional).push_back(s);
  TC_RETURN_IF_ERROR(install_missing(required, say));
  if (Status s = install_missing(optional, say); !s.is_ok()) say("warning: " + s.message());
  for (Service* s : services) {
    Status started = s->start(say);
    if (started.is_ok()) continue;
    if (s->required()) {
      return Status(started.code(), std::string(s->name()) + ": " + started.message());
    }
    say("warning: " + std::string(s->name()) + " not started: " + started.message());
  }
  return Status::ok();
}

Status stop_services(const std::vector<Service*>& services, const Say& say) {
  Status first;
  for (auto it = services.rbegin(); it != services.rend(); ++it) {
    Status s = (*it)->stop(say);
    if (!s.is_ok() && first.is_ok()) {
      first = Status(s.code(), std::string((*it)->name()) + ": " + s.message());
    }
  }
  return first;
}

Status grant_passage(const std::filesystem::path& path, const std::string& user, const Say& say) {
  if (!is_root()) return Status::ok();
  std::filesystem::path at = path.root_path();
  for (const auto& part : path.relative_path()) {
    at /= part;
    RunOptions as_user;
    as_user.as_user = user;
    auto can = run({"test", "-x", at.string()}, as_user);
    if (can && can->exit_code == 0) continue;
    auto acl = run({"setfacl", "-m", "u:" + user + ":x", at.string()});
    if (acl && acl->exit_code == 0) {
      say("gave the " + user + " user passage through " + at.string() +
          " (an ACL allowing search only: nothing in it becomes readable)");
      continue;
    }
    struct stat st {};
    if (stat(at.c_str(), &st) != 0 || chmod(at.c_str(), st.st_mode | S_IXOTH) != 0) {
      return failed_precondition("the " + user + " user cannot enter " + at.string() +
                                 "; choose a directory it can reach (--dir)");
    }
    say("gave others passage through " + at.string() +
        " (o+x: ACLs are not supported here; nothing in it becomes readable)");
  }
  return Status::ok();
}

}  // namespace tc::infra
