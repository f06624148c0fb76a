// `tradecluster infra` through the real binary: PostgreSQL, Redis, nats-server and Adminer
// started as local processes in a temporary directory on free ports, configured as the seed's,
// inspected, restarted, stopped and wiped; and `start --with-infra`, whose `stop` stops them too.
// Each test runs servers of its own (they are what it tests).
#include <gtest/gtest.h>

#include <fstream>

#include "storage/postgres/pg_pool.hpp"
#include "support/node_process.hpp"

namespace tc {
namespace {

using testing::run_command;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The ports of a run of its own, as .env lines and as environment.
std::map<std::string, std::string> own_ports() {
  return {{"POSTGRES_PORT", std::to_string(testing::free_port())},
          {"REDIS_PORT", std::to_string(testing::free_port())},
          {"NATS_PORT", std::to_string(testing::free_port())},
          {"PGADMIN_PORT", std::to_string(testing::free_port())},
          {"POSTGRES_PASSWORD", "it's a \"secret\""},
          {"REDIS_PASSWORD", "redis secret"}};
}

class InfraTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream env(dir_.path() / ".env");
    for (const auto& [k, v] : ports_) env << k << "='" << v << "'\n";
  }
  void TearDown() override { infra({"stop"}); }

  testing::CommandResult infra(std::vector<std::string> args) {
    args.insert(args.begin(), {TC_BINARY, "infra"});
    if (args.size() > 2 && args[2] != "--help")
      args.insert(args.begin() + 3, {"--dir", dir_.path().string()});
    return run_command(args, {}, dir_.path(), std::chrono::seconds(180));
  }

  testing::TempDir dir_;
  std::map<std::string, std::string> ports_ = own_ports();
};

TEST_F(InfraTest, StartsConfiguresInspectsRestartsStopsAndWipes) {
  std::filesystem::create_directories(dir_.path() / "postgres" / "init");
  std::ofstream(dir_.path() / "postgres" / "init" / "10-marker.sql")
      << "CREATE TABLE public.init_marker (id int); INSERT INTO public.init_marker VALUES (1);\n";

  auto started = infra({"start"});
  ASSERT_EQ(started.exit_code, 0) << started.output;
  for (const char* name : {"postgres", "redis", "nats", "adminer"}) {
    EXPECT_NE(started.output.find(name), std::string::npos) << started.output;
  }

  auto status = infra({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  auto parsed = parse_json(status.output);
  ASSERT_TRUE(parsed.is_ok()) << status.output;
  for (const auto& s : parsed->as_object().at("services").as_array()) {
    EXPECT_TRUE(s.as_object().at("healthy").as_bool()) << to_json(s);
  }
  EXPECT_NE(status.output.find("accepting connections"), std::string::npos);
  EXPECT_NE(status.output.find("PONG"), std::string::npos);

  // The seed's tuning, from the files each start writes.
  std::string pg_conf = read(dir_.path() / "postgres/config/postgresql.conf");
  for (const char* line : {"shared_buffers = 256MB", "effective_cache_size = 1GB",
                           "max_connections = 200", "work_mem = 4MB", "maintenance_work_mem = 64MB",
                           "shared_preload_libraries = 'pg_stat_statements'"}) {
    EXPECT_NE(pg_conf.find(line), std::string::npos) << line;
  }
  std::string redis_conf = read(dir_.path() / "redis/config/redis.conf");
  for (const char* line : {"maxmemory 512mb", "maxmemory-policy allkeys-lru", "appendonly yes",
                           "appendfsync everysec", "save 60 10000"}) {
    EXPECT_NE(redis_conf.find(line), std::string::npos) << line;
  }

  // The seed's user and database, with the password from .env and the init script's work.
  storage::PgOptions pg;
  pg.port = std::stoi(ports_["POSTGRES_PORT"]);
  pg.password = ports_["POSTGRES_PASSWORD"];
  auto conn = storage::PgConnection::connect(pg.conninfo());
  ASSERT_TRUE(conn.is_ok()) << conn.status().to_string();
  auto marker = (*conn)->query("SELECT COUNT(*) FROM public.init_marker");
  ASSERT_TRUE(marker.is_ok()) << marker.status().to_string();
  EXPECT_EQ(marker->int64(0, 0), 1);
  auto ext =
      (*conn)->query("SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_stat_statements'");
  ASSERT_TRUE(ext.is_ok());
  EXPECT_EQ(ext->int64(0, 0), 1);
  conn->reset();

  auto info =
      run_command({TC_BINARY, "info-infra", "--dir", dir_.path().string()}, {}, dir_.path());
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_NE(info.output.find("postgresql://rayuser:"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("nats://127.0.0.1:" + ports_["NATS_PORT"]), std::string::npos);
  EXPECT_NE(info.output.find(":" + ports_["PGADMIN_PORT"]), std::string::npos);

  // The init script ran once: a second run would fail on its CREATE TABLE.
  auto restarted = infra({"restart"});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  auto logs = infra({"logs", "--service", "postgres", "--lines", "5"});
  EXPECT_EQ(logs.exit_code, 0);
  EXPECT_NE(logs.output.find("ready to accept connections"), std::string::npos) << logs.output;
  EXPECT_EQ(infra({"logs", "--service", "mysql"}).exit_code, 2);

  // logs --follow prints what is appended: a line Redis logs when asked to save.
  auto followed = dir_.path() / "followed.log";
  pid_t follower =
      testing::NodeProcess::spawn({TC_BINARY, "infra", "logs", "--dir", dir_.path().string(),
                                   "--service", "redis", "--follow", "--lines", "0"},
                                  {}, dir_.path(), followed);
  ASSERT_GT(follower, 0);
  // Saves until a save's line shows: the first ones may come before it has read the log's end.
  EXPECT_TRUE(testing::wait_until([&] {
    (void)run_command({"/usr/bin/redis-cli", "-p", ports_["REDIS_PORT"], "-a",
                       ports_["REDIS_PASSWORD"], "--no-auth-warning", "BGSAVE"},
                      {}, dir_.path());
    return read(followed).find("Background saving") != std::string::npos;
  })) << read(followed);
  kill(follower, SIGTERM);
  waitpid(follower, nullptr, 0);

  EXPECT_EQ(infra({"cleanup"}).exit_code, 2);  // no terminal to confirm on, no --yes
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "postgres/data/PG_VERSION"));
  auto wiped = infra({"cleanup", "--yes"});
  ASSERT_EQ(wiped.exit_code, 0) << wiped.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "postgres/data"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "redis/data"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "postgres/init/10-marker.sql"));
  auto after = infra({"status"});
  EXPECT_EQ(after.exit_code, 1) << after.output;
  EXPECT_NE(after.output.find("stopped"), std::string::npos) << after.output;
}

TEST(InfraNodeTest, StartWithInfraRunsTheNodeOnThemAndStopStopsBoth) {
  auto env = own_ports();
  testing::NodeProcess node(env, {"--with-infra"});
  ASSERT_TRUE(node.start()) << node.output();
  std::string st = node.cluster_status();
  EXPECT_NE(st.find("\"store\":\"postgres\""), std::string::npos) << st;
  EXPECT_NE(st.find("\"cache\":\"redis\""), std::string::npos) << st;
  EXPECT_NE(st.find("\"infra_dir\""), std::string::npos) << st;
  auto health = node.request("GET", "/health");
  EXPECT_EQ(health->status, 200) << health->body;
  EXPECT_NE(health->body.find("\"redis\":{\"status\":\"up\""), std::string::npos) << health->body;

  auto stopped = node.cli({"stop"});
  EXPECT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_NE(stopped.output.find("infrastructure stopped"), std::string::npos) << stopped.output;
  auto infra = [&](const char* action) {
    return run_command({TC_BINARY, "infra", action}, env, node.dir());
  };
  auto after = infra("status");
  EXPECT_EQ(after.exit_code, 1) << after.output;
  (void)infra("stop");  // in case the test failed before
}

}  // namespace
}  // namespace tc
