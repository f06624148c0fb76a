// NodeProcess: the real tradecluster binary started on free ports in a temporary directory,
// for integration tests. Output goes to a file in that directory; the destructor kills what is
// left.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "net/http_client.hpp"
#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

extern char** environ;

namespace tc::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs `args` (argv[0] first) with extra environment `env`, in `cwd`, and waits for it.
inline CommandResult run_command(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env,
                                 const std::filesystem::path& cwd,
                                 std::chrono::seconds timeout = std::chrono::seconds(60));

class NodeProcess {
 public:
  explicit NodeProcess(std::map<std::string, std::string> env = {},
                       std::vector<std::string> extra_args = {})
      : env_(std::move(env)), extra_args_(std::move(extra_args)) {
    // A small market unless a test asks otherwise: the first start seeds it.
    env_.try_emplace("TC_SIMULATOR_INSTRUMENTS", "13");
    env_.try_emplace("TC_SIMULATOR_HISTORY_DAYS", "30");
    port_ = free_port();
    dashboard_port_ = free_port();
    while (dashboard_port_ == port_) dashboard_port_ = free_port();
  }
  ~NodeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // The verb and its flags instead of `start` (e.g. {"node", "--head"}).
  void set_command(std::vector<std::string> command) { command_ = std::move(command); }

  // Starts the binary; with `wait_ready`, waits until the control API answers.
  bool start(bool wait_ready = true) {
    std::vector<std::string> args{TC_BINARY};
    args.insert(args.end(), command_.begin(), command_.end());
    args.insert(args.end(), {"--port", std::to_string(port_), "--dashboard-port",
                             std::to_string(dashboard_port_)});
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = spawn(args, env_, dir_.path(), dir_.path() / "out.log");
    if (pid_ <= 0) return false;
    if (!wait_ready) return true;
    return wait_until([&] { return ready() || exited(); }, std::chrono::seconds(30)) && !exited();
  }

  bool ready() {
    net::HttpCall c;
    c.port = dashboard_port_;
    c.target = "/health";
    c.timeout = std::chrono::seconds(1);
    auto r = net::http_request(c);
    return r.is_ok() && r->status == 200;
  }

  // True once the process has ended; its exit code is then in exit_code().
  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return true;
    }
    return false;
  }
  bool wait_exit(std::chrono::seconds timeout) {
    return wait_until([&] { return exited(); }, timeout);
  }
  int exit_code() const { return exit_code_; }
  // For the next start().
  void set_env(const std::string& name, const std::string& value) { env_[name] = value; }
  void signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }

  Result<net::HttpResult> request(const std::string& method, const std::string& target,
                                  const std::string& body = "",
                                  std::chrono::seconds timeout = std::chrono::seconds(20),
                                  net::Fields headers = {}) {
    net::HttpCall c;
    c.port = port_;
    c.method = method;
    c.target = target;
    c.body = body;
    c.timeout = timeout;
    c.headers = std::move(headers);
    return net::http_request(c);
  }

  // The body of the control API's GET /api/cluster/status; empty when it does not answer.
  std::string cluster_status() {
    net::HttpCall c;
    c.port = dashboard_port_;
    c.target = "/api/cluster/status";
    auto r = net::http_request(c);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? r->body : "";
  }

  // The symbols of the simulator's crypto instruments (at most 20) as a JSON array's items,
  // for a stream whose trades come often.
  std::string crypto_symbols() {
    auto listed = parse_json(
        request("GET", "/api/tickscrawler/instruments?limit=20&asset_class=crypto")->body);
    std::string out;
    if (!listed.is_ok() || !listed->is_object()) return out;
    for (const auto& i : listed->as_object().at("instruments").as_array()) {
      out += std::string(out.empty() ? "\"" : ",\"") +
             std::string(i.as_object().at("symbol").as_string()) + "\"";
    }
    return out;
  }

  CommandResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), TC_BINARY);
    args.push_back("--dashboard-port");
    args.push_back(std::to_string(dashboard_port_));
    return run_command(args, env_, dir_.path());
  }

  std::string output() const {
    std::ifstream in(dir_.path() / "out.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  uint16_t dashboard_port() const { return dashboard_port_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // Starts `args` with `env` added, in `cwd`, its output appended to `out`. The process is killed
  // when the test process dies, even by a crash or ctest's timeout: nothing outlives a test.
  static pid_t spawn(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env,
                     const std::filesystem::path& cwd, const std::filesystem::path& out) {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    // The child: only async-signal-safe calls from here on.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died already
    if (chdir(cwd.c_str()) != 0) _exit(127);
    int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in_fd = open("/dev/null", O_RDONLY);
    if (out_fd < 0 || in_fd < 0) _exit(127);
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    dup2(in_fd, STDIN_FILENO);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }

 private:
  TempDir dir_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> command_{"start"};
  uint16_t port_ = 0;
  uint16_t dashboard_port_ = 0;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

inline CommandResult run_command(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env,
                                 const std::filesystem::path& cwd, std::chrono::seconds timeout) {
  auto out = cwd / ("cmd-" + std::to_string(getpid()) + "-" + std::to_string(rand()) + ".log");
  pid_t pid = NodeProcess::spawn(args, env, cwd, out);
  CommandResult result;
  if (pid <= 0) return result;
  int status = 0;
  bool done = wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(out);
  std::stringstream s;
  s << in.rdbuf();
  result.output = s.str();
  return result;
}

// The JSON object a request to a node answered, failing the test when there is none.
inline json::object body_of(const Result<net::HttpResult>& r) {
  EXPECT_TRUE(r.is_ok());
  if (!r.is_ok()) return {};
  auto v = parse_json(r->body);
  EXPECT_TRUE(v.is_ok() && v->is_object()) << r->body;
  return v.is_ok() && v->is_object() ? v->as_object() : json::object{};
}

}  // namespace tc::testing
