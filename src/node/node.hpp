// Node: one tradecluster process. It wires the configuration, store, cache, bus, executors,
// serve runtime with its deployments, the gateway on the API port and the control API on the
// dashboard port.
//
// Executors, in one place: the gateway's and the control API's I/O threads (parse, route,
// write; quick handlers), the requests pool (blocking handlers and queued calls, a thread per
// running call), the lifecycle pool (replica constructors and health checks, so that checks
// never wait behind requests), the serve runtime's control loop thread, and the bus's delivery
// threads.
//
// The data directory is locked (data/tradecluster.lock, holding the pid) for the node's life, so
// two nodes never share one store.
//
// Stopping drains for at most the drain timeout in all: the listeners close, in-flight and
// queued calls finish; whatever is still ongoing then is answered 503 and logged as abandoned,
// the responses are written, and everything stops in reverse order of start.
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

  // Opens the store, binds both ports and starts the deployments, returning once their first
  // replicas are built and checked (or after 10 s with those that are not). unavailable naming
  // the port when one is in use; failed_precondition when another node holds the data directory.
  Status start();
  // Asks the node to drain and stop; returns at once.
  void request_stop();
  struct StopReport {
    bool drained = true;     // every call finished within the drain timeout
    int abandoned = 0;       // calls answered 503 because the drain timeout passed
    int stuck_handlers = 0;  // handler threads still running; their objects are left alive
  };
  // Blocks until a stop is requested, then drains and stops. Idempotent (a second call returns
  // an empty report). When handlers are stuck the process should exit soon after: the node
  // leaves the objects they use alive rather than free them under them.
  StopReport wait_and_stop();

  uint16_t port() const;
  uint16_t dashboard_port() const;

 private:
  struct Parts;
  // The head's part of a cluster: membership, and what workers ask of it.
  Status start_head();
  // A restarted head takes back the replicas its workers still run.
  Status adopt_running_replicas();
  // A worker runs no API: the replicas the head places on it, and its heartbeat.
  Status start_worker();
  StopReport stop_parts();

  NodeSettings settings_;
  std::unique_ptr<Parts> parts_;
  int lock_fd_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  bool stopped_ = false;
};

}  // namespace tc::node
