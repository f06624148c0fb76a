// The servers of a test run, as the ctest fixture `test_servers` started them (see
// test_servers.cpp): read from the file TC_TEST_SERVERS names. A test that needs them fails when
// the fixture did not run — in CI they never skip.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "core/config_source.hpp"
#include "infra/infra.hpp"

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

}  // namespace tc::testing
