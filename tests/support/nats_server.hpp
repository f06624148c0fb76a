// NatsServer: a nats-server (Debian's package) of a test's own, on a loopback port, alone or as
// one of a cluster (its route port and the routes to its peers); killed when destroyed. For the
// tests that stop servers; the others share the run's server (test_servers.hpp).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace tc::testing {

class NatsServer {
 public:
  explicit NatsServer(uint16_t port = 0, uint16_t cluster_port = 0)
      : port_(port == 0 ? free_port() : port), cluster_port_(cluster_port) {}
  ~NatsServer() { stop(); }

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  uint16_t port() const { return port_; }

  // Starts it, routed to the cluster ports in `routes`, and waits until it greets a client.
  bool start(const std::vector<uint16_t>& routes = {}) {
    std::vector<std::string> args{"/usr/sbin/nats-server", "-a", "127.0.0.1", "-p",
                                  std::to_string(port_)};
    if (cluster_port_ != 0) {
      args.insert(args.end(), {"--cluster_name", "tc-test", "--cluster",
                               "nats://127.0.0.1:" + std::to_string(cluster_port_)});
      std::string list;
      for (uint16_t r : routes) {
        list += (list.empty() ? "" : ",") + std::string("nats://127.0.0.1:") + std::to_string(r);
      }
      if (!list.empty()) args.insert(args.end(), {"--routes", list});
    }
    std::string log = (dir_.path() / "nats.log").string();
    pid_ = fork();
    if (pid_ == 0) {
      FILE* out = freopen(log.c_str(), "a", stdout);
      FILE* err = freopen(log.c_str(), "a", stderr);
      (void)out;
      (void)err;
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid_ > 0 && wait_until([&] { return greets(); }, std::chrono::seconds(10));
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  bool greets() const {
    RawConnection c(port_);
    return c.read_until("INFO ", std::chrono::milliseconds(200));
  }

  TempDir dir_;
  uint16_t port_;
  uint16_t cluster_port_;
  pid_t pid_ = -1;
};

}  // namespace tc::testing
