// EventStream: a response that is a stream of server-sent events instead of a body.
//
// A handler answers with a Response whose `events` is set; the server writes the headers
// (text/event-stream, no length: the stream ends when the connection closes), then calls
// start() with an EventSink, through which the stream sends whole events from any thread. The
// sink buffers a bounded amount per client: a client too slow to keep up is dropped, never
// waited for. The server sends a keep-alive comment when nothing else was sent for a while, and
// calls stop() once when the client goes away, the stream is dropped, or the server stops.
#pragma once

#include <memory>
#include <string>

namespace tc::net {

// Thread-safe.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Queues `text` (one or more whole events, "event: ...\ndata: ...\n\n"). false once the
  // client is gone or has fallen more than the buffer behind; the stream is then over.
  virtual bool send(std::string text) = 0;
  // Ends the stream once what is queued has been written.
  virtual void finish() = 0;
};

class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual void start(std::shared_ptr<EventSink> sink) = 0;
  // Idempotent; called on the server's thread, never from inside send().
  virtual void stop() = 0;
};

// "event: <name>\ndata: <data>\n\n" (data without newlines, such as compact JSON).
inline std::string sse_event(std::string_view name, std::string_view data) {
  std::string out;
  out.reserve(name.size() + data.size() + 16);
  out.append("event: ").append(name).append("\ndata: ").append(data).append("\n\n");
  return out;
}

}  // namespace tc::net
