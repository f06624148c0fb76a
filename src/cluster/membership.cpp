#include "cluster/membership.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <limits>

#include "core/json.hpp"

namespace tc::cluster {

std::string heartbeat_subject(std::string_view cluster) {
  return "tc.v1.nodes." + std::string(cluster) + ".heartbeat";
}

std::string leaving_subject(std::string_view cluster) {
  return "tc.v1.nodes." + std::string(cluster) + ".leaving";
}

std::string encode_announcement(const NodeInfo& n) {
  json::object labels;
  for (const auto& [k, v] : n.labels) labels[k] = v;
  return to_json(json::object{{"id", n.id},
                              {"address", n.address},
                              {"is_head", n.is_head},
                              {"milli_cpu", n.total.milli_cpu},
                              {"memory_bytes", n.total.memory_bytes},
                              {"started_at", n.started_at},
                              {"labels", std::move(labels)}});
}

Result<NodeInfo> decode_announcement(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed) return parsed.status();
  if (!parsed->is_object()) return invalid_argument("a node announcement is a JSON object");
  ObjectReader r(parsed->as_object(), "announcement");
  NodeInfo n;
  auto id = r.required_string("id", 64);
  auto address = r.optional_string("address", 256);
  auto is_head = r.optional_bool("is_head");
  auto cpu = r.optional_int("milli_cpu", 0, int64_t{1} << 40);
  auto memory = r.optional_int("memory_bytes", 0, int64_t{1} << 60);
  auto started = r.optional_int("started_at", 0, std::numeric_limits<int64_t>::max());
  const json::object* labels = r.optional_object("labels");
  TC_RETURN_IF_ERROR(r.finish());
  n.id = *id;
  n.address = address.value_or("");
  n.is_head = is_head.value_or(false);
  n.total = {cpu.value_or(0), memory.value_or(0)};
  n.available = n.total;
  n.started_at = started.value_or(0);
  if (labels != nullptr) {
    for (const auto& [k, v] : *labels) {
      if (!v.is_string()) return invalid_argument("label '" + std::string(k) + "' is not text");
      n.labels[std::string(k)] = std::string(v.as_string());
    }
  }
  return n;
}

NodeAnnouncer::NodeAnnouncer(Bus& bus, std::string cluster, NodeInfo node, Duration interval)
    : bus_(bus), cluster_(std::move(cluster)), node_(std::move(node)) {
  std::string beat = encode_announcement(node_);
  std::string subject = heartbeat_subject(cluster_);
  thread_ = std::make_unique<StoppableThread>([this, beat, subject, interval](StopSignal& stop) {
    do {
      Status s = bus_.publish(subject, beat);
      if (!s.is_ok()) spdlog::debug("event=heartbeat_not_sent why=\"{}\"", s.message());
    } while (stop.wait_for(interval));
  });
}

NodeAnnouncer::~NodeAnnouncer() {
  thread_.reset();
  (void)bus_.publish(leaving_subject(cluster_), encode_announcement(node_));
}

Result<std::unique_ptr<MembershipMonitor>> MembershipMonitor::start(Bus& bus,
                                                                    NodeRegistry& registry,
                                                                    const Clock& clock,
                                                                    MembershipOptions options,
                                                                    Listener listener) {
  std::unique_ptr<MembershipMonitor> m(
      new MembershipMonitor(registry, clock, options, std::move(listener)));
  MembershipMonitor* self = m.get();
  // The nodes already known must be heard from again, or they are lost.
  for (const NodeInfo& n : registry.snapshot()) {
    if (n.alive && !n.is_head) m->last_heard_[n.id] = clock.now();
  }
  auto beats = bus.subscribe(heartbeat_subject(options.cluster), "",
                             [self](const Message& msg) { self->heard(msg); });
  if (!beats) return beats.status();
  m->heartbeats_ = std::move(beats).value();
  auto leaving = bus.subscribe(leaving_subject(options.cluster), "",
                               [self](const Message& msg) { self->left(msg); });
  if (!leaving) return leaving.status();
  m->leaving_ = std::move(leaving).value();
  m->checker_ = std::make_unique<StoppableThread>([self](StopSignal& stop) {
    while (stop.wait_for(self->options_.check_every)) self->check();
  });
  return m;
}

MembershipMonitor::~MembershipMonitor() {
  checker_.reset();
  heartbeats_.reset();
  leaving_.reset();
}

void MembershipMonitor::heard(const Message& m) {
  auto node = decode_announcement(m.data);
  if (!node) {
    spdlog::warn("event=bad_heartbeat why=\"{}\"", node.status().message());
    return;
  }
  {
    std::lock_guard lock(mu_);
    last_heard_[node->id] = clock_.now();
    late_.erase(node->id);
  }
  if (registry_.heard_from(*node) && listener_) listener_(*node, true, "its heartbeat arrived");
}

void MembershipMonitor::left(const Message& m) {
  auto node = decode_announcement(m.data);
  if (!node) return;
  {
    std::lock_guard lock(mu_);
    last_heard_.erase(node->id);
  }
  if (registry_.mark_dead(node->id) && listener_) listener_(*node, false, "it stopped");
}

void MembershipMonitor::check() {
  std::vector<std::string> silent, late;
  {
    std::lock_guard lock(mu_);
    TimePoint now = clock_.now();
    for (auto it = last_heard_.begin(); it != last_heard_.end();) {
      if (now - it->second < options_.dead_after) {
        bool is_late = options_.late_after > Duration{0} && now - it->second >= options_.late_after;
        if (is_late && late_.insert(it->first).second) late.push_back(it->first);
        ++it;
        continue;
      }
      silent.push_back(it->first);
      late_.erase(it->first);
      it = last_heard_.erase(it);
    }
  }
  if (options_.on_late) {
    for (const std::string& id : late) options_.on_late(id);
  }
  auto seconds = std::chrono::duration<double>(options_.dead_after).count();
  for (const std::string& id : silent) {
    if (!registry_.mark_dead(id) || !listener_) continue;
    for (const NodeInfo& n : registry_.snapshot()) {
      if (n.id == id) {
        listener_(n, false, fmt::format("no heartbeat for {:g} s", seconds));
      }
    }
  }
}

}  // namespace tc::cluster
