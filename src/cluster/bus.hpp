// Bus: subject-addressed messaging between the parts of a cluster, with NATS semantics.
//
// Subjects are dot-separated tokens, versioned and namespaced ("tc.v1.jobs.stop"). Subscriptions
// may use the wildcards `*` (one token) and `>` (the rest, last token only). Subscribers that
// share a queue group split the messages: each goes to one member. request() publishes with a
// private reply subject and waits for the first reply; it fails with unavailable at once when
// nobody subscribes to the subject (no responders) and with deadline_exceeded after the timeout —
// never a hang. Each subscription's handler gets its messages in order, one at a time, on a
// delivery thread of the bus.
//
// Implementations: InProcBus (one process) and NatsBus (cluster/nats/, over nats-server, for
// multi-node clusters). All are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace tc::cluster {

struct Message {
  std::string subject;
  std::string reply_to;  // empty unless the sender waits for a reply
  std::string data;
  bool no_responders = false;  // the server's "no responders" answer to a request (NATS only)
};

using MessageHandler = std::function<void(const Message&)>;

// Ends the subscription when destroyed: a handler call in progress finishes first (unless the
// handler itself destroys it), and none runs after the destructor returns.
class Subscription {
 public:
  virtual ~Subscription() = default;
};

class Bus {
 public:
  virtual ~Bus() = default;

  // invalid_argument for a malformed subject or one with wildcards; unavailable when closed.
  virtual Status publish(std::string_view subject, std::string_view data,
                         std::string_view reply_to = {}) = 0;
  // `queue_group` empty: every subscriber gets each message. invalid_argument for a malformed
  // subject pattern.
  virtual Result<std::unique_ptr<Subscription>> subscribe(std::string_view subject,
                                                          std::string_view queue_group,
                                                          MessageHandler handler) = 0;
  // The first reply. unavailable when no subscriber matches (no responders),
  // deadline_exceeded when no reply arrives within `timeout`.
  virtual Result<Message> request(std::string_view subject, std::string_view data,
                                  Duration timeout) = 0;
  // request() without waiting: `done` is called once with what request() would return, on a
  // thread of the bus (or, when the request cannot be sent, on the caller's). This base version
  // waits on the caller's thread; NatsBus sends at once and answers from its delivery thread.
  using ReplyHandler = std::function<void(Result<Message>)>;
  virtual void request_async(std::string_view subject, std::string_view data, Duration timeout,
                             ReplyHandler done) {
    done(request(subject, data, timeout));
  }
  // Stops delivering and refuses new work (unavailable); idempotent. The node's last step.
  virtual void close() = 0;
};

// True for a subject to publish to: non-empty tokens of printable characters without spaces or
// wildcards. With `allow_wildcards`, `*` tokens and a final `>` token are accepted too.
bool is_valid_subject(std::string_view subject, bool allow_wildcards);
// True when `subject` (no wildcards) matches `pattern` (wildcards allowed).
bool subject_matches(std::string_view pattern, std::string_view subject);

}  // namespace tc::cluster
