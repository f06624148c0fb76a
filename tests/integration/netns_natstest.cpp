// Two hosts on one machine: the head and nats-server here, a worker in a network namespace of its
// own joined to this one by a veth pair, so that heartbeats, orders and calls really cross a
// network link between two addresses. Needs root (ip netns), as CI runs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "support/node_process.hpp"

namespace tc {
namespace {

using testing::NodeProcess;

int sh(const std::string& command) { return std::system((command + " > /dev/null 2>&1").c_str()); }

// A namespace `name` linked to this one: here 10.213.N.1, there 10.213.N.2.
class NetworkNamespace {
 public:
  NetworkNamespace() {
    std::random_device rd;
    int n = static_cast<int>(rd() % 250) + 1;
    // A subnet no interface here uses yet.
    for (int tries = 0; tries < 250 && sh("ip -o addr show to 10.213." + std::to_string(n) +
                                          ".0/30 | grep -q .") == 0;
         ++tries) {
      n = n % 250 + 1;
    }
    name_ = "tcns" + std::to_string(getpid()) + "x" + std::to_string(n);
    here_ = "10.213." + std::to_string(n) + ".1";
    there_ = "10.213." + std::to_string(n) + ".2";
    out_ = "tcv" + std::to_string(getpid() % 100000) + "a";
    const std::string& out = out_;
    std::string in = "tcv" + std::to_string(getpid() % 100000) + "b";
    ok_ = sh("ip netns add " + name_) == 0 &&
          sh("ip link add " + out + " type veth peer name " + in) == 0 &&
          sh("ip link set " + in + " netns " + name_) == 0 &&
          sh("ip addr add " + here_ + "/30 dev " + out) == 0 &&
          sh("ip link set " + out + " up") == 0 &&
          sh("ip netns exec " + name_ + " ip addr add " + there_ + "/30 dev " + in) == 0 &&
          sh("ip netns exec " + name_ + " ip link set " + in + " up") == 0 &&
          sh("ip netns exec " + name_ + " ip link set lo up") == 0;
  }
  ~NetworkNamespace() {
    sh("ip link del " + out_);  // and so its peer in the namespace
    sh("ip netns del " + name_);
  }
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  const std::string& here() const { return here_; }
  const std::string& there() const { return there_; }

 private:
  std::string name_, here_, there_, out_;
  bool ok_ = false;
};

class Spawned {
 public:
  Spawned(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    pid_ = NodeProcess::spawn(args, env, dir_.path(), dir_.path() / "out.log");
  }
  ~Spawned() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool exited_with(int& code) {
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return true;
    }
    return false;
  }
  std::string output() const {
    std::ifstream in(dir_.path() / "out.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  pid_t pid() const { return pid_; }

 private:
  testing::TempDir dir_;
  pid_t pid_ = -1;
};

class NetnsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      if (std::getenv("CI") != nullptr) FAIL() << "CI runs as root: ip netns needs it";
      GTEST_SKIP() << "network namespaces need root";
    }
    ASSERT_TRUE(ns_.ok()) << "could not make the namespace and its veth pair";
    nats_port_ = testing::free_port();
    nats_ = std::make_unique<Spawned>(
        std::vector<std::string>{"/usr/sbin/nats-server", "-a", ns_.here(), "-p",
                                 std::to_string(nats_port_)},
        std::map<std::string, std::string>{});
    url_ = "nats://" + ns_.here() + ":" + std::to_string(nats_port_);
    // Reachable from here, and across the link from the namespace.
    std::string probe =
        "timeout 2 bash -c '</dev/tcp/" + ns_.here() + "/" + std::to_string(nats_port_) + "'";
    ASSERT_TRUE(testing::wait_until([&] { return sh(probe) == 0; })) << nats_->output();
    ASSERT_TRUE(
        testing::wait_until([&] { return sh("ip netns exec " + ns_.name() + " " + probe) == 0; }));
    env_ = {{"TC_CLUSTER_NAME", "netns"},
            {"TC_HEARTBEAT_INTERVAL", "0.2"},
            {"TC_NODE_DEAD_AFTER", "1.5"},
            {"TC_NUM_CPUS", "0.3"},
            {"TC_CLUSTER_CONTROL_PORT", std::to_string(testing::free_port())}};
  }

  // A worker in the namespace; `other_host` gives it a host name of its own too.
  std::unique_ptr<Spawned> worker(bool other_host) {
    std::string command =
        std::string(TC_BINARY) + " node --address " + url_ + " --name worker-1 --num-cpus 2";
    command = (other_host ? "hostname tc-other-host && exec " : "exec ") + command;
    std::vector<std::string> args{"/usr/sbin/ip", "netns", "exec", ns_.name()};
    if (other_host) args.insert(args.end(), {"/usr/bin/unshare", "--uts"});
    args.insert(args.end(), {"/bin/sh", "-c", command});
    return std::make_unique<Spawned>(args, env_);
  }

  NetworkNamespace ns_;
  uint16_t nats_port_ = 0;
  std::unique_ptr<Spawned> nats_;
  std::string url_;
  std::map<std::string, std::string> env_;
};

TEST_F(NetnsClusterTest, AWorkerBehindANetworkLinkServesThroughTheHead) {
  NodeProcess head(env_, {"--address", url_});
  head.set_command({"node", "--head"});
  ASSERT_TRUE(head.start()) << head.output();
  auto w = worker(false);
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = head.request("GET", "/api/screener/status", "", std::chrono::seconds(2));
        return r.is_ok() && r->status == 200;
      },
      std::chrono::seconds(60)))
      << head.cluster_status() << w->output();
  auto r = head.request("GET", "/api/screener/status");
  auto body = parse_json(r->body);
  EXPECT_EQ(body->as_object().at("node").as_string(), "worker-1");
  // nats-server has a client at the other end of the link: the worker.
  Spawned connz({"/usr/bin/sh", "-c",
                 "ss -tn state established '( sport = :" + std::to_string(nats_port_) + " )'"},
                {});
  EXPECT_TRUE(testing::wait_until([&] {
    int code = 0;
    return connz.exited_with(code);
  }));
  EXPECT_NE(connz.output().find(ns_.there()), std::string::npos) << connz.output();
  auto screen =
      head.request("POST", "/api/screener/screen", R"({"expression":"close > 0","limit":3})");
  EXPECT_EQ(screen->status, 200) << screen->body;
}

TEST_F(NetnsClusterTest, AWorkerOnAnotherHostIsRefusedTheEmbeddedStore) {
  NodeProcess head(env_, {"--address", url_});
  head.set_command({"node", "--head"});
  ASSERT_TRUE(head.start()) << head.output();
  auto w = worker(true);
  int code = 0;
  ASSERT_TRUE(testing::wait_until([&] { return w->exited_with(code); }, std::chrono::seconds(60)))
      << w->output();
  EXPECT_NE(code, 0);
  EXPECT_NE(w->output().find("PostgreSQL"), std::string::npos) << w->output();
}

}  // namespace
}  // namespace tc
