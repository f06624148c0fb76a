// WorkerProcess: `tradecluster node --address … --name …` in a temporary directory of its own, a
// worker of the cluster a test's head runs; killed (SIGKILL) when destroyed.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <string>

#include "support/node_process.hpp"

namespace tc::testing {

class WorkerProcess {
 public:
  WorkerProcess(std::string nats_url, std::string name, std::map<std::string, std::string> env,
                std::string num_cpus = "2")
      : url_(std::move(nats_url)),
        name_(std::move(name)),
        env_(std::move(env)),
        num_cpus_(std::move(num_cpus)) {}
  ~WorkerProcess() { kill9(); }

  bool start() {
    pid_ = NodeProcess::spawn(
        {TC_BINARY, "node", "--address", url_, "--name", name_, "--num-cpus", num_cpus_}, env_,
        dir_.path(), dir_.path() / "out.log");
    return pid_ > 0;
  }
  // Dies at once, as a machine that loses power: no goodbye on the bus.
  void kill9() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // Asks it to leave (SIGTERM) and waits for it.
  bool stop(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    if (pid_ <= 0) return true;
    kill(pid_, SIGTERM);
    int status = 0;
    bool done = wait_until([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (done) pid_ = -1;
    return done;
  }
  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  std::string output() const {
    std::ifstream in(dir_.path() / "out.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  TempDir dir_;
  std::string url_, name_;
  std::map<std::string, std::string> env_;
  std::string num_cpus_;
  pid_t pid_ = -1;
};

}  // namespace tc::testing
