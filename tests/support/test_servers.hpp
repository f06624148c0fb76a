// The servers of a test run, as the ctest fixture `test_servers` started them (see
// test_servers.cpp): read from the file TC_TEST_SERVERS names. A test that needs them fails when
// the fixture did not run — in CI they never skip.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/config_source.hpp"
#include "infra/infra.hpp"
#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"

namespace tc::testing {

// TC_TEST_POSTGRES, TC_TEST_REDIS, TC_TEST_NATS and TC_TEST_INFRA_DIR.
inline std::string test_server(const std::string& name) {
  static const ConfigSource::Map servers = [] {
    const char* file = std::getenv("TC_TEST_SERVERS");
    std::ifstream in(file == nullptr ? "" : file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = ConfigSource::parse_dotenv(text);
    return parsed ? *parsed : ConfigSource::Map{};
  }();
  auto it = servers.find(name);
  if (it == servers.end()) {
    ADD_FAILURE() << name << " is unknown: run this test through ctest, whose test_servers "
                  << "fixture starts PostgreSQL, Redis and nats-server (TC_TEST_SERVERS names "
                  << "the file it writes)";
    return "";
  }
  return it->second;
}

// The test run's infrastructure, to stop and start one of its servers (fault tests).
inline infra::InfraSettings test_infra() {
  std::string dir = test_server("TC_TEST_INFRA_DIR");
  auto source = ConfigSource::load({}, dir + "/.env");
  EXPECT_TRUE(source.is_ok());
  auto settings = infra::load_infra_settings(source.is_ok() ? *source : ConfigSource(), dir);
  EXPECT_TRUE(settings.is_ok()) << settings.status().to_string();
  return settings.is_ok() ? *settings : infra::InfraSettings{};
}

// Servers of a test's own, for a fault test that stops and restarts them: started by the same
// code as `tradecluster infra start`, in a temporary directory on free ports; stopped when
// destroyed.
class OwnServers {
 public:
  explicit OwnServers(std::vector<std::string> names) : names_(std::move(names)) {
    std::vector<uint16_t> ports = free_ports(4);
    std::ofstream(dir_.path() / ".env")
        << "POSTGRES_PORT=" << ports[0] << "\nREDIS_PORT=" << ports[1] << "\nNATS_PORT=" << ports[2]
        << "\nPGADMIN_PORT=" << ports[3]
        << "\nPOSTGRES_PASSWORD=own-pg-password\nREDIS_PASSWORD=own-redis-password\n";
    auto source = ConfigSource::load({}, dir_.path() / ".env");
    auto settings =
        infra::load_infra_settings(source.is_ok() ? *source : ConfigSource(), dir_.path());
    EXPECT_TRUE(settings.is_ok()) << settings.status().to_string();
    if (settings.is_ok()) settings_ = *settings;
    services_ = infra::make_services(settings_);
  }
  ~OwnServers() {
    for (const auto& n : names_) (void)stop(n);
  }

  Status start(const std::string& name) { return service(name).start(quiet); }
  Status stop(const std::string& name) { return service(name).stop(quiet); }
  // Starts every named server.
  Status start() {
    for (const auto& n : names_) TC_RETURN_IF_ERROR(start(n));
    return Status::ok();
  }
  const infra::InfraSettings& settings() const { return settings_; }

 private:
  static void quiet(const std::string&) {}
  infra::Service& service(const std::string& name) {
    for (auto& s : services_) {
      if (s->name() == name) return *s;
    }
    ADD_FAILURE() << "no service " << name;
    return *services_.front();
  }

  TempDir dir_;
  std::vector<std::string> names_;
  infra::InfraSettings settings_;
  std::vector<std::unique_ptr<infra::Service>> services_;
};

}  // namespace tc::testing
