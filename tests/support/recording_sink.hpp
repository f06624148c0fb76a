// RecordingSink: an EventSink that keeps what it is sent, for tests of event streams.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "net/event_stream.hpp"

namespace tc::testing {

class RecordingSink : public net::EventSink {
 public:
  bool send(std::string text) override {
    std::lock_guard lock(mu_);
    sent_.push_back(std::move(text));
    return open_;
  }
  void finish() override {
    std::lock_guard lock(mu_);
    finished_ = true;
  }
  // Makes the next send() report the client gone.
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  std::vector<std::string> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }
  std::string joined() const {
    std::string out;
    for (const auto& s : sent()) out += s;
    return out;
  }
  bool finished() const {
    std::lock_guard lock(mu_);
    return finished_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> sent_;
  bool open_ = true;
  bool finished_ = false;
};

}  // namespace tc::testing
