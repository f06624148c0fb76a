// Node: one tradecluster process. It wires the configuration, store, cache, bus, worker pool,
// serve runtime with its deployments, the gateway on the API port and the control API on the
// dashboard port.
//
// Executors, in one place: the gateway's and the control API's I/O threads (parse, route,
// write; quick handlers), the worker pool (blocking handlers, health checks, queued calls), the
// serve runtime's control loop thread, and the bus's delivery thread.
//
// Stopping drains: the listeners close, in-flight and queued calls finish (up to the drain
// timeout), responses are written, then everything stops in reverse order of start.
// Thread-safety: request_stop() from any thread (signals, the control API); the rest from the
// thread that owns the node.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

#include "core/status.hpp"
#include "node/node_settings.hpp"

namespace tc::node {

class Node {
 public:
  explicit Node(NodeSettings settings);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Opens the store, starts the deployments and binds both ports. unavailable naming the port
  // when one is in use; the node is then stopped again.
  Status start();
  // Asks the node to drain and stop; returns at once.
  void request_stop();
  // Blocks until a stop is requested, then drains and stops. Idempotent.
  void wait_and_stop();

  uint16_t port() const;
  uint16_t dashboard_port() const;

 private:
  struct Parts;
  void stop_parts();

  NodeSettings settings_;
  std::unique_ptr<Parts> parts_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  bool stopped_ = false;
};

}  // namespace tc::node
