#include "cluster/watcher_policy.hpp"

#include <gtest/gtest.h>

namespace tc::cluster {
namespace {

using std::chrono::seconds;
using Kind = WatcherDecision::Kind;

WatcherOptions options() {
  WatcherOptions o;
  o.pending_threshold = 5;
  o.max_workers = 3;
  o.cooldown = seconds(300);
  o.idle_timeout = seconds(600);
  return o;
}

TEST(WatcherPolicyTest, AddsOneWorkerWhenPendingExceedsTheThresholdThenCoolsDown) {
  WatcherPolicy p(options());
  TimePoint t{seconds(1000)};
  EXPECT_EQ(p.check(t, 5, {}).kind, Kind::kNone);  // at the threshold: not beyond it
  auto add = p.check(t, 6, {});
  EXPECT_EQ(add.kind, Kind::kAdd);
  EXPECT_EQ(add.worker, "worker-1");
  EXPECT_NE(add.reason.find("6 replicas pending > threshold 5"), std::string::npos) << add.reason;
  // Still pending while it starts: held for the cooldown, saying how long is left.
  auto held = p.check(t + seconds(100), 6, {}, {"worker-1"});
  EXPECT_EQ(held.kind, Kind::kHold);
  EXPECT_NE(held.reason.find("200 s of 300 s left"), std::string::npos) << held.reason;
  auto next = p.check(t + seconds(300), 6, {{"worker-1", 4}});
  EXPECT_EQ(next.kind, Kind::kAdd);
  EXPECT_EQ(next.worker, "worker-2");
}

TEST(WatcherPolicyTest, NeverGoesBeyondTheMaximum) {
  WatcherPolicy p(options());
  auto d = p.check(TimePoint{}, 50, {{"worker-1", 1}, {"worker-2", 1}, {"worker-3", 1}});
  EXPECT_EQ(d.kind, Kind::kHold);
  EXPECT_NE(d.reason.find("3 workers is the maximum"), std::string::npos) << d.reason;
  // Workers still starting count toward it.
  EXPECT_EQ(p.check(TimePoint{}, 50, {{"worker-1", 1}}, {"worker-2", "worker-3"}).kind,
            Kind::kHold);
}

TEST(WatcherPolicyTest, NewWorkersTakeTheLowestFreeIndex) {
  EXPECT_EQ(lowest_free_worker_name({}), "worker-1");
  EXPECT_EQ(lowest_free_worker_name({"worker-1", "worker-3"}), "worker-2");
  EXPECT_EQ(lowest_free_worker_name({"worker-2", "worker-1"}), "worker-3");
  WatcherPolicy p(options());
  EXPECT_EQ(p.check(TimePoint{}, 9, {{"worker-2", 1}}).worker, "worker-1");
}

TEST(WatcherPolicyTest, RemovesAWorkerIdlePastTheTimeoutOnlyWhenNothingIsPending) {
  WatcherPolicy p(options());
  TimePoint t{seconds(5000)};
  std::vector<WorkerView> workers{{"worker-1", 2}, {"worker-2", 0}};
  EXPECT_EQ(p.check(t, 0, workers).kind, Kind::kNone);  // idle from now
  EXPECT_EQ(p.check(t + seconds(599), 0, workers).kind, Kind::kNone);
  EXPECT_EQ(p.check(t + seconds(600), 1, workers).kind, Kind::kNone);  // something pending
  auto d = p.check(t + seconds(601), 0, workers);
  EXPECT_EQ(d.kind, Kind::kRemove);
  EXPECT_EQ(d.worker, "worker-2");
  EXPECT_NE(d.reason.find("idle timeout 600 s"), std::string::npos) << d.reason;
}

TEST(WatcherPolicyTest, WorkToDoResetsTheIdleClock) {
  WatcherPolicy p(options());
  TimePoint t{seconds(5000)};
  EXPECT_EQ(p.check(t, 0, {{"worker-1", 0}}).kind, Kind::kNone);
  EXPECT_EQ(p.check(t + seconds(500), 0, {{"worker-1", 1}}).kind, Kind::kNone);
  EXPECT_EQ(p.check(t + seconds(700), 0, {{"worker-1", 0}}).kind, Kind::kNone);
  EXPECT_EQ(p.check(t + seconds(1301), 0, {{"worker-1", 0}}).kind, Kind::kRemove);
}

TEST(WatcherPolicyTest, WithoutAnIdleTimeoutWorkersStay) {
  WatcherOptions o = options();
  o.idle_timeout.reset();
  WatcherPolicy p(o);
  EXPECT_EQ(p.check(TimePoint{}, 0, {{"worker-1", 0}}).kind, Kind::kNone);
  EXPECT_EQ(p.check(TimePoint{seconds(100000)}, 0, {{"worker-1", 0}}).kind, Kind::kNone);
}

}  // namespace
}  // namespace tc::cluster
