// RedisServer: a throwaway redis-server (Debian's package) for tests labelled redistest — on a
// free loopback port, nothing saved to disk, in a temporary directory; killed when destroyed.
#pragma once

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/raw_http.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace tc::testing {

class RedisServer {
 public:
  explicit RedisServer(uint16_t port = 0) : port_(port == 0 ? free_port() : port) {}
  ~RedisServer() { stop(); }

  // Starts the server and waits until it answers PING; false when it does not within 10 s.
  bool start() {
    std::vector<std::string> args{"/usr/bin/redis-server",
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  dir_.path().string()};
    std::string log = (dir_.path() / "redis.log").string();
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid_ > 0 && wait_until([&] { return ping(); }, std::chrono::seconds(10));
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  uint16_t port() const { return port_; }

 private:
  bool ping() const {
    timeval tv{0, 200'000};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    bool ok = false;
    if (c != nullptr && c->err == 0) {
      auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
      ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
      if (r != nullptr) freeReplyObject(r);
    }
    if (c != nullptr) redisFree(c);
    return ok;
  }

  TempDir dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace tc::testing
