#include "infra/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

namespace tc::infra {
namespace {

std::vector<std::string> with_user(const std::vector<std::string>& argv, const RunOptions& o) {
  if (o.as_user.empty() || !is_root()) return argv;
  std::vector<std::string> out{"/usr/sbin/runuser", "-u", o.as_user, "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

bool is_root() { return geteuid() == 0; }

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  if (waitpid(pid, nullptr, WNOHANG) == pid) return false;  // our child, now reaped
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto close_paren = line.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= line.size() ||
         line[close_paren + 2] != 'Z';
}

Result<RunResult> run(const std::vector<std::string>& argv_in, const RunOptions& options) {
  std::vector<std::string> argv = with_user(argv_in, options);
  int pipe_fds[2] = {-1, -1};
  if (options.quiet && pipe(pipe_fds) != 0) return unavailable("pipe failed");
  pid_t pid = fork();
  if (pid < 0) return unavailable("fork failed");
  if (pid == 0) {
    if (options.quiet) {
      dup2(pipe_fds[1], STDOUT_FILENO);
      dup2(pipe_fds[1], STDERR_FILENO);
      close(pipe_fds[0]);
      close(pipe_fds[1]);
    }
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    for (const auto& [k, v] : options.env) setenv(k.c_str(), v.c_str(), 1);
    exec_child(argv);
  }
  RunResult result;
  if (options.quiet) {
    close(pipe_fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipe_fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) result.output.append(buf, static_cast<size_t>(n));
    }
    close(pipe_fds[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.exit_code == 127) {
    return unavailable("cannot run " + argv_in.front() + ": " + result.output);
  }
  return result;
}

Status run_checked(const std::string& what, const std::vector<std::string>& argv,
                   const RunOptions& options) {
  auto r = run(argv, options);
  if (!r) return r.status();
  if (r->exit_code != 0) {
    std::string out = r->output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return internal_error(what + " failed (exit " + std::to_string(r->exit_code) + ")" +
                          (out.empty() ? "" : ":\n" + out));
  }
  return Status::ok();
}

Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::filesystem::path& log,
                             const std::filesystem::path& pid_file) {
  // Double fork: the server is adopted by init and never becomes our zombie.
  int report[2];
  if (pipe(report) != 0) return unavailable("pipe failed");
  pid_t first = fork();
  if (first < 0) return unavailable("fork failed");
  if (first == 0) {
    close(report[0]);
    setsid();
    pid_t server = fork();
    if (server != 0) {
      ssize_t ignored = write(report[1], &server, sizeof server);
      (void)ignored;
      _exit(server > 0 ? 0 : 1);
    }
    close(report[1]);
    int null_fd = open("/dev/null", O_RDONLY);
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    exec_child(argv);
  }
  close(report[1]);
  pid_t server = -1;
  ssize_t n = read(report[0], &server, sizeof server);
  close(report[0]);
  waitpid(first, nullptr, 0);
  if (n != sizeof server || server <= 0) return unavailable("could not start " + argv.front());
  std::ofstream(pid_file) << server << "\n";
  return server;
}

std::optional<pid_t> running_pid(const std::filesystem::path& pid_file) {
  std::ifstream in(pid_file);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  if (!process_alive(static_cast<pid_t>(pid))) return std::nullopt;
  return static_cast<pid_t>(pid);
}

bool terminate(pid_t pid, Duration grace) {
  if (!process_alive(pid)) return true;
  kill(pid, SIGTERM);
  auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until) {
    if (!process_alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  for (int i = 0; i < 100 && process_alive(pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !process_alive(pid);
}

std::optional<std::filesystem::path> find_program(
    const std::vector<std::filesystem::path>& candidates) {
  for (const auto& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) return c;
  }
  return std::nullopt;
}

}  // namespace tc::infra
