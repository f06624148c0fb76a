// test_servers start|stop DIR: the servers of one test run — PostgreSQL, Redis and nats-server on
// free loopback ports, started by the same code as `tradecluster infra start` — for the ctest
// fixture `test_servers`. `start` wipes DIR, starts them and writes DIR/servers.env, which the
// tests labelled pgtest, redistest and natstest read (TC_TEST_SERVERS names it); `stop` stops
// them.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/config_source.hpp"
#include "infra/infra.hpp"
#include "support/raw_http.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<tc::infra::Service*> servers(std::vector<std::unique_ptr<tc::infra::Service>>& all) {
  std::vector<tc::infra::Service*> out;
  for (auto& s : all) {
    if (s->name() != "adminer") out.push_back(s.get());
  }
  return out;
}

tc::Result<tc::infra::InfraSettings> settings_of(const fs::path& dir) {
  auto source = tc::ConfigSource::load({}, dir / ".env");
  if (!source) return source.status();
  return tc::infra::load_infra_settings(*source, dir);
}

void say(const std::string& line) { std::cerr << "test_servers: " << line << "\n"; }

int stop(const fs::path& dir) {
  if (!fs::exists(dir / ".env")) return 0;
  auto settings = settings_of(dir);
  if (!settings) return 0;
  auto all = tc::infra::make_services(*settings);
  tc::Status s = tc::infra::stop_services(servers(all), say);
  if (!s.is_ok()) std::cerr << "test_servers: " << s.message() << "\n";
  return s.is_ok() ? 0 : 1;
}

int start(const fs::path& dir) {
  stop(dir);  // what an interrupted run left behind
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  std::vector<uint16_t> ports = tc::testing::free_ports(4);
  int pg = ports[0], redis = ports[1], nats = ports[2], adminer = ports[3];
  std::ofstream(dir / ".env") << "POSTGRES_PORT=" << pg << "\nREDIS_PORT=" << redis
                              << "\nNATS_PORT=" << nats << "\nPGADMIN_PORT=" << adminer
                              << "\nPOSTGRES_PASSWORD=test-pg-password\n"
                                 "REDIS_PASSWORD=test-redis-password\n";
  auto settings = settings_of(dir);
  if (!settings) {
    std::cerr << "test_servers: " << settings.status().message() << "\n";
    return 1;
  }
  auto all = tc::infra::make_services(*settings);
  tc::Status s = tc::infra::start_services(servers(all), say);
  if (!s.is_ok()) {
    std::cerr << "test_servers: " << s.message() << "\n";
    return 1;
  }
  std::ofstream(dir / "servers.env")
      << "TC_TEST_POSTGRES=" << settings->postgres_url()
      << "\nTC_TEST_REDIS=" << settings->redis_url() << "\nTC_TEST_NATS=" << settings->nats_url()
      << "\nTC_TEST_INFRA_DIR=" << settings->root.string() << "\n";
  std::cout << "test_servers: PostgreSQL on " << pg << ", Redis on " << redis << ", nats-server on "
            << nats << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::cerr << "usage: test_servers start|stop DIR\n";
    return 2;
  }
  return std::string(argv[1]) == "start" ? start(argv[2]) : stop(argv[2]);
}
