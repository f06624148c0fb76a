#include "serve/deployment.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>

#include "serve/http_error.hpp"
#include "support/nodes.hpp"

namespace tc::serve {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Runs posted tasks only when told: calls on blocking routes stay ongoing until run_all().
class ManualExecutor final : public Executor {
 public:
  void post(Task task) override {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  // Runs tasks until none are left (tasks may post more).
  void run_all() {
    while (true) {
      Task t;
      {
        std::lock_guard lock(mu_);
        if (tasks_.empty()) return;
        t = std::move(tasks_.front());
        tasks_.pop_front();
      }
      t();
    }
  }
  size_t pending() {
    std::lock_guard lock(mu_);
    return tasks_.size();
  }

 private:
  std::mutex mu_;
  std::deque<Task> tasks_;
};

enum Route { kWork = 1, kQuick, kThrow };

struct Behaviour {
  std::atomic<bool> healthy{true};
};

class TestReplica final : public ReplicaHandler {
 public:
  TestReplica(ReplicaInfo info, Behaviour& b) : info_(std::move(info)), b_(b) {}
  Response handle(int route, const Request&) override {
    if (route == kThrow) throw std::runtime_error("boom");
    return json_response(json::object{{"replica", info_.replica_id}});
  }
  Status check_health() override { return b_.healthy ? Status::ok() : unavailable("sick"); }

 private:
  ReplicaInfo info_;
  Behaviour& b_;
};

class DeploymentTest : public ::testing::Test {
 protected:
  DeploymentTest() {
    EXPECT_TRUE(nodes_.add(testing::head_node(8, 8LL << 30)).is_ok());
    config_.name = "svc";
    config_.num_replicas = 1;
    config_.max_ongoing_requests = 2;
    config_.max_queued_requests = 3;
    config_.autoscaling.min_replicas = 1;
    config_.autoscaling.max_replicas = 1;
    config_.autoscaling.target_ongoing_requests = 1;
    config_.autoscaling.upscale_delay = seconds(10);
    config_.autoscaling.downscale_delay = seconds(30);
    config_.health_check_period = seconds(5);
    config_.health_check_timeout = seconds(3);
    config_.graceful_shutdown_timeout = seconds(20);
  }

  void make() {
    DeploymentSpec spec;
    spec.name = "svc";
    spec.routes = {{"GET", "/work", kWork, true, ""},
                   {"GET", "/quick", kQuick, false, ""},
                   {"POST", "/throw", kThrow, true, ""}};
    spec.make_replica = [this](const ReplicaInfo& info) {
      return std::make_unique<TestReplica>(info, behaviour_);
    };
    deployment_ = std::make_unique<Deployment>(spec, config_, context());
    deployment_->deploy();
    lifecycle_.run_all();  // constructors and first health checks: replicas are RUNNING
  }
  DeploymentContext context() {
    return {clock_, executor_, lifecycle_, nodes_, events_, launcher_};
  }

  // Submits a call whose answer lands in `answers_[key]`.
  void submit(int key, int route = kWork, Duration timeout = seconds(60)) {
    deployment_->submit(route, Request{}, clock_.now() + timeout, [this, key](Response r) {
      std::lock_guard lock(mu_);
      ++answer_count_[key];
      answers_[key] = std::move(r);
    });
  }
  int status_of(int key) {
    std::lock_guard lock(mu_);
    return answers_.count(key) ? answers_[key].status : 0;
  }
  int answers_for(int key) {
    std::lock_guard lock(mu_);
    return answer_count_[key];
  }
  void tick(Duration d) {
    clock_.advance(d);
    deployment_->reconcile();
  }
  // A pass of the control loop whose replica starts and health checks complete at once.
  void tick_and_check(Duration d) {
    tick(d);
    lifecycle_.run_all();
  }
  std::vector<ScalingEvent> events_of(const std::string& kind) {
    std::vector<ScalingEvent> out;
    for (auto& e : events_.recent(1000)) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  ManualClock clock_;
  ManualExecutor executor_;  // requests
  LocalLauncher launcher_{executor_};
  ManualExecutor lifecycle_;  // constructors and health checks
  cluster::NodeRegistry nodes_;
  EventLog events_;
  Behaviour behaviour_;
  DeploymentConfig config_;
  std::unique_ptr<Deployment> deployment_;
  std::mutex mu_;
  std::map<int, Response> answers_;
  std::map<int, int> answer_count_;
};

TEST_F(DeploymentTest, StartsInitialReplicasOnDeploy) {
  config_.num_replicas = 2;
  config_.autoscaling.max_replicas = 3;
  make();
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.num_replicas, 2);
  EXPECT_EQ(s.target_replicas, 2);
  EXPECT_EQ(events_of("replica_started").size(), 2u);
}

TEST_F(DeploymentTest, QuickRouteAnswersInline) {
  make();
  submit(1, kQuick);
  EXPECT_EQ(status_of(1), 200);
  EXPECT_EQ(deployment_->load(), 0);
}

TEST_F(DeploymentTest, NeverExceedsMaxOngoingThenQueuesThenRefuses) {
  make();
  for (int i = 1; i <= 6; ++i) submit(i);
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.ongoing, 2);  // max_ongoing_requests
  EXPECT_EQ(s.queued, 3);   // max_queued_requests
  EXPECT_EQ(status_of(6), 503);
  EXPECT_EQ(find_field(answers_[6].headers, "Retry-After"), "1");
  executor_.run_all();
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(status_of(i), 200) << i;
  EXPECT_EQ(deployment_->load(), 0);
  EXPECT_EQ(deployment_->status().rejected_total, 1);
}

TEST_F(DeploymentTest, QueuedCallsRunAsSlotsFree) {
  make();
  for (int i = 1; i <= 4; ++i) submit(i);
  EXPECT_EQ(executor_.pending(), 2u);
  executor_.run_all();  // each finishing call takes one from the queue
  EXPECT_EQ(deployment_->status().queued, 0);
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(status_of(i), 200);
}

TEST_F(DeploymentTest, QueuedCallPastDeadlineGets504) {
  make();
  submit(1);
  submit(2);
  submit(3, kWork, seconds(1));  // queued
  tick(seconds(2));
  EXPECT_EQ(status_of(3), 504);
  executor_.run_all();
  EXPECT_EQ(status_of(1), 200);
  EXPECT_EQ(answers_for(3), 1);
  EXPECT_EQ(deployment_->status().timed_out_total, 1);
}

TEST_F(DeploymentTest, RunningCallPastDeadlineIsAnsweredOnce) {
  make();
  submit(1, kWork, seconds(1));
  tick(seconds(2));
  EXPECT_EQ(status_of(1), 504);
  executor_.run_all();  // the handler finishes late; its answer is dropped
  EXPECT_EQ(answers_for(1), 1);
  EXPECT_EQ(status_of(1), 504);
  EXPECT_EQ(deployment_->load(), 0);
}

TEST_F(DeploymentTest, SpreadsCallsOverReplicas) {
  config_.num_replicas = 2;
  config_.autoscaling.max_replicas = 2;
  config_.max_ongoing_requests = 10;
  make();
  for (int i = 0; i < 10; ++i) submit(i);
  DeploymentStatus s = deployment_->status();
  ASSERT_EQ(s.replicas.size(), 2u);
  EXPECT_GE(s.replicas[0].ongoing, 3);
  EXPECT_GE(s.replicas[1].ongoing, 3);
  executor_.run_all();
}

TEST_F(DeploymentTest, ScalesUpAfterDelayAndRecordsEvent) {
  config_.autoscaling.max_replicas = 4;
  config_.max_ongoing_requests = 10;
  make();
  for (int i = 0; i < 3; ++i) submit(i);  // load 3, target 1 per replica
  tick(seconds(0));
  tick(seconds(5));
  EXPECT_EQ(deployment_->status().target_replicas, 1);
  tick_and_check(seconds(5));
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.target_replicas, 3);
  EXPECT_EQ(s.num_replicas, 3);
  auto scaled = events_of("autoscale");
  ASSERT_EQ(scaled.size(), 1u);
  EXPECT_EQ(scaled[0].from, 1);
  EXPECT_EQ(scaled[0].to, 3);
  EXPECT_DOUBLE_EQ(scaled[0].load, 3);  // the mean over the look-back window
  EXPECT_EQ(scaled[0].deployment, "svc");
  executor_.run_all();
}

TEST_F(DeploymentTest, ScalesDownAfterDelayAndDrains) {
  config_.num_replicas = 3;
  config_.autoscaling.max_replicas = 3;
  make();
  tick(seconds(0));
  tick(seconds(29));
  EXPECT_EQ(deployment_->status().num_replicas, 3);
  tick(seconds(1));
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.target_replicas, 1);
  EXPECT_EQ(s.num_replicas, 1);
  EXPECT_EQ(events_of("replica_stopped").size(), 2u);
}

TEST_F(DeploymentTest, DrainingReplicaFinishesItsCallsBeforeStopping) {
  config_.num_replicas = 2;
  config_.autoscaling.max_replicas = 2;
  config_.max_ongoing_requests = 1;
  make();
  submit(1);
  submit(2);  // one on each replica
  deployment_->undeploy();
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.draining_replicas, 2);
  submit(3);
  EXPECT_EQ(status_of(3), 503);
  executor_.run_all();
  EXPECT_EQ(status_of(1), 200);
  EXPECT_EQ(status_of(2), 200);
  tick(seconds(0));
  EXPECT_TRUE(deployment_->status().replicas.empty());
}

TEST_F(DeploymentTest, UndeployAnswersQueuedCalls) {
  make();
  for (int i = 1; i <= 4; ++i) submit(i);
  deployment_->undeploy();
  EXPECT_EQ(status_of(3), 503);
  EXPECT_EQ(status_of(4), 503);
  executor_.run_all();
  EXPECT_EQ(status_of(1), 200);
}

TEST_F(DeploymentTest, ReplicaFailingThreeHealthChecksIsReplaced) {
  make();
  std::string first = deployment_->status().replicas[0].id;
  behaviour_.healthy = false;
  for (int i = 0; i < 2; ++i) tick_and_check(seconds(5));
  DeploymentStatus failing = deployment_->status();
  EXPECT_EQ(failing.replicas[0].health, "failing");
  EXPECT_EQ(failing.healthy_replicas, 1);  // unhealthy only after three in a row
  EXPECT_TRUE(deployment_->health().ok());
  tick_and_check(seconds(5));
  behaviour_.healthy = true;
  tick_and_check(seconds(0));
  DeploymentStatus s = deployment_->status();
  ASSERT_EQ(s.num_replicas, 1);
  EXPECT_NE(s.replicas.back().id, first);
  ASSERT_EQ(events_of("replica_unhealthy").size(), 1u);
  EXPECT_EQ(events_of("replica_unhealthy")[0].replica, first);
}

TEST_F(DeploymentTest, HealthCheckTimeoutCountsAsFailure) {
  make();
  for (int i = 0; i < 3; ++i) {
    tick(seconds(5));  // starts a check that is never executed
    tick(seconds(3));  // ... and times out
  }
  EXPECT_EQ(events_of("replica_unhealthy").size(), 1u);
  lifecycle_.run_all();
}

TEST_F(DeploymentTest, ThrowingHandlerGets500AndReplicaStays) {
  make();
  std::string first = deployment_->status().replicas[0].id;
  for (int i = 1; i <= 10; ++i) {
    submit(i, kThrow);
    executor_.run_all();
    EXPECT_EQ(status_of(i), 500) << i;
  }
  tick_and_check(seconds(0));
  DeploymentStatus s = deployment_->status();
  ASSERT_EQ(s.replicas.size(), 1u);
  EXPECT_EQ(s.replicas[0].id, first);
  EXPECT_EQ(s.replicas[0].errors, 10);
  EXPECT_EQ(s.errors_total, 10);
  EXPECT_EQ(s.status, "healthy");
  EXPECT_TRUE(events_of("replica_unhealthy").empty());
  submit(11, kQuick);
  EXPECT_EQ(status_of(11), 200);
}

TEST_F(DeploymentTest, ReplicaThatDoesNotFitStaysPending) {
  cluster::NodeRegistry small;
  ASSERT_TRUE(small.add(testing::head_node(0.5)).is_ok());
  config_.num_replicas = 3;
  config_.autoscaling.max_replicas = 3;
  DeploymentSpec spec;
  spec.name = "svc";
  spec.make_replica = [this](const ReplicaInfo& info) {
    return std::make_unique<TestReplica>(info, behaviour_);
  };
  Deployment d(spec, config_,
               DeploymentContext{clock_, executor_, lifecycle_, small, events_, launcher_});
  d.deploy();
  lifecycle_.run_all();
  DeploymentStatus s = d.status();
  EXPECT_EQ(s.num_replicas, 2);  // 2 x 0.2 CPU fit in 0.5
  EXPECT_EQ(s.pending_replicas, 1);
  d.reconcile();
  ASSERT_EQ(events_of("replica_pending").size(), 1u);  // said once, not every pass
  EXPECT_NE(events_of("replica_pending")[0].reason.find("0.2 CPU"), std::string::npos);
  d.undeploy();
  d.reconcile();
}

TEST_F(DeploymentTest, NotDeployedRefusesWith503) {
  DeploymentSpec spec;
  spec.name = "svc";
  Deployment d(spec, config_, context());
  int status = 0;
  d.submit(kQuick, Request{}, clock_.now() + seconds(1), [&](Response r) { status = r.status; });
  EXPECT_EQ(status, 503);
}

TEST_F(DeploymentTest, ReplicaIsStartingUntilConstructedAndFirstCheckPasses) {
  DeploymentSpec spec;
  spec.name = "svc";
  spec.routes = {{"GET", "/quick", kQuick, false, ""}};
  // The constructor reads the deployment's status: it would deadlock under the deployment's lock.
  int seen_starting = -1;
  spec.make_replica = [&](const ReplicaInfo& info) {
    seen_starting = deployment_->status().starting_replicas;
    return std::make_unique<TestReplica>(info, behaviour_);
  };
  deployment_ = std::make_unique<Deployment>(spec, config_, context());
  deployment_->deploy();
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.starting_replicas, 1);
  EXPECT_EQ(s.num_replicas, 0);
  EXPECT_EQ(s.replicas[0].state, "starting");
  submit(1, kQuick);  // no running replica yet: queued, not sent to the starting one
  EXPECT_EQ(status_of(1), 0);
  EXPECT_EQ(deployment_->status().queued, 1);
  lifecycle_.run_all();  // constructs, then runs the first health check
  EXPECT_EQ(seen_starting, 1);
  EXPECT_EQ(deployment_->status().replicas[0].state, "running");
  EXPECT_EQ(events_of("replica_started").size(), 1u);
  executor_.run_all();  // the queued call went to the replica as soon as it ran
  EXPECT_EQ(status_of(1), 200);
}

TEST_F(DeploymentTest, StartingReplicaFailingItsChecksIsReplacedNotServed) {
  behaviour_.healthy = false;
  make();
  EXPECT_EQ(deployment_->status().replicas[0].state, "starting");
  EXPECT_FALSE(deployment_->health().ok());
  tick_and_check(seconds(5));
  tick_and_check(seconds(5));
  EXPECT_EQ(events_of("replica_unhealthy").size(), 1u);
  behaviour_.healthy = true;
  tick_and_check(seconds(0));
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.num_replicas, 1);
  EXPECT_EQ(s.status, "healthy");
}

TEST_F(DeploymentTest, ConstructorThatThrowsIsRetriedWithBackoff) {
  DeploymentSpec spec;
  spec.name = "svc";
  int attempts = 0;
  spec.make_replica = [&](const ReplicaInfo& info) -> std::unique_ptr<ReplicaHandler> {
    if (++attempts < 3) throw std::runtime_error("warm-up failed");
    return std::make_unique<TestReplica>(info, behaviour_);
  };
  deployment_ = std::make_unique<Deployment>(spec, config_, context());
  deployment_->deploy();
  lifecycle_.run_all();
  EXPECT_EQ(events_of("replica_failed").size(), 1u);
  tick_and_check(milliseconds(100));  // within the backoff: nothing new is started
  EXPECT_EQ(attempts, 1);
  for (int i = 0; i < 40 && deployment_->status().num_replicas == 0; ++i) {
    tick_and_check(milliseconds(500));
  }
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(deployment_->status().num_replicas, 1);
}

TEST_F(DeploymentTest, ThrowingResponderReleasesTheSlotOnce) {
  make();
  deployment_->submit(kWork, Request{}, clock_.now() + seconds(60),
                      [](Response) { throw std::runtime_error("client went away"); });
  executor_.run_all();
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.ongoing, 0);
  EXPECT_EQ(s.replicas[0].ongoing, 0);
  EXPECT_EQ(s.replicas[0].handled, 1);
  submit(2);
  submit(3);
  EXPECT_EQ(deployment_->status().ongoing, 2);  // both slots usable again
  executor_.run_all();
}

TEST_F(DeploymentTest, RequestCarriesItsDeadline) {
  DeploymentSpec spec;
  spec.name = "svc";
  spec.routes = {{"GET", "/quick", kQuick, false, ""}};
  TimePoint seen{};
  struct DeadlineReplica final : ReplicaHandler {
    explicit DeadlineReplica(TimePoint& s) : seen(s) {}
    Response handle(int, const Request& r) override {
      seen = r.deadline;
      return Response{};
    }
    TimePoint& seen;
  };
  spec.make_replica = [&](const ReplicaInfo&) { return std::make_unique<DeadlineReplica>(seen); };
  deployment_ = std::make_unique<Deployment>(spec, config_, context());
  deployment_->deploy();
  lifecycle_.run_all();
  TimePoint deadline = clock_.now() + seconds(7);
  deployment_->submit(kQuick, Request{}, deadline, [](Response) {});
  EXPECT_EQ(seen, deadline);
}

TEST_F(DeploymentTest, ColdStartFromZeroAndHealthyAtZero) {
  config_.num_replicas = 0;
  config_.autoscaling.min_replicas = 0;
  config_.autoscaling.max_replicas = 3;
  make();
  Deployment::Health h = deployment_->health();
  EXPECT_TRUE(h.ok());
  EXPECT_STREQ(h.name(), "scaled_to_zero");
  submit(1);                          // queued: there is no replica
  tick_and_check(milliseconds(100));  // one control-loop pass, not the upscale delay
  EXPECT_EQ(deployment_->status().target_replicas, 1);
  EXPECT_EQ(deployment_->status().num_replicas, 1);
  executor_.run_all();
  EXPECT_EQ(status_of(1), 200);
  auto scaled = events_of("autoscale");
  ASSERT_EQ(scaled.size(), 1u);
  EXPECT_NE(scaled[0].reason.find("cold start"), std::string::npos);
}

TEST_F(DeploymentTest, ScalesToZeroThroughOne) {
  config_.num_replicas = 3;
  config_.autoscaling.min_replicas = 0;
  config_.autoscaling.max_replicas = 3;
  make();
  for (int i = 0; i < 350 && deployment_->status().target_replicas == 3; ++i) {
    tick_and_check(milliseconds(100));
  }
  EXPECT_EQ(deployment_->status().target_replicas, 1);
  EXPECT_EQ(deployment_->status().num_replicas, 1);
  for (int i = 0; i < 350 && deployment_->status().target_replicas == 1; ++i) {
    tick_and_check(milliseconds(100));
  }
  DeploymentStatus s = deployment_->status();
  EXPECT_EQ(s.target_replicas, 0);
  EXPECT_EQ(s.num_replicas, 0);
  EXPECT_EQ(s.status, "scaled_to_zero");
  EXPECT_TRUE(deployment_->health().ok());
}

TEST_F(DeploymentTest, AbandonAnswersOngoingAndQueuedOnce) {
  make();
  for (int i = 1; i <= 4; ++i) submit(i);  // 2 running, 2 queued
  EXPECT_EQ(deployment_->abandon("stopping"), 4);
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(status_of(i), 503) << i;
  executor_.run_all();  // the handlers finish late: answers dropped, slots released
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(answers_for(i), 1) << i;
  EXPECT_EQ(deployment_->load(), 0);
}

TEST_F(DeploymentTest, GracefulShutdownTimeoutAnswersCallsStillRunning) {
  make();
  submit(1);
  deployment_->undeploy();
  tick(seconds(19));
  EXPECT_EQ(status_of(1), 0);
  tick(seconds(1));  // the graceful shutdown timeout
  EXPECT_EQ(status_of(1), 503);
  EXPECT_TRUE(deployment_->status().replicas.empty());
  executor_.run_all();
  EXPECT_EQ(answers_for(1), 1);
}

TEST_F(DeploymentTest, SlowStartIsReportedOnceAndTheReplicaGetsNoTraffic) {
  config_.num_replicas = 1;
  DeploymentSpec spec;
  spec.name = "svc";
  spec.routes = {{"GET", "/quick", kQuick, false, ""}};
  spec.make_replica = [this](const ReplicaInfo& info) {
    return std::make_unique<TestReplica>(info, behaviour_);
  };
  deployment_ = std::make_unique<Deployment>(spec, config_, context());
  deployment_->deploy();  // the constructor is posted but not run: a constructor that hangs
  for (int i = 0; i < 40; ++i) tick(seconds(1));
  EXPECT_EQ(events_of("replica_slow_start").size(), 1u);
  EXPECT_EQ(deployment_->status().replicas[0].state, "starting");
  submit(1, kQuick);
  EXPECT_EQ(status_of(1), 0);  // queued, never sent to the starting replica
  lifecycle_.run_all();
  executor_.run_all();
  EXPECT_EQ(status_of(1), 200);
}

// A replica elsewhere whose calls wait until the test ends them: answered, or lost.
class HeldReplica final : public ReplicaHandle {
 public:
  void call(int, const Request& request, bool, CallDone done) override {
    std::lock_guard lock(mu);
    held.emplace_back(&request, std::move(done));
  }
  void check_health(Duration, CheckDone done) override { done(Status::ok()); }
  void stop() override { stopped = true; }
  std::string where() const override { return "elsewhere"; }
  // Ends the oldest held call.
  void end_one(CallOutcome outcome) {
    std::pair<const Request*, CallDone> c;
    {
      std::lock_guard lock(mu);
      ASSERT_FALSE(held.empty());
      c = std::move(held.front());
      held.erase(held.begin());
    }
    c.second(outcome == CallOutcome::kLost ? error_response(unavailable("no responders"))
                                           : json_response(json::object{{"ok", true}}),
             outcome);
  }
  size_t holding() {
    std::lock_guard lock(mu);
    return held.size();
  }
  std::mutex mu;
  std::vector<std::pair<const Request*, CallDone>> held;
  std::atomic<bool> stopped{false};
};

class HeldLauncher final : public ReplicaLauncher {
 public:
  Result<std::shared_ptr<ReplicaHandle>> launch(const DeploymentSpec&,
                                                const ReplicaInfo&) override {
    auto h = std::make_shared<HeldReplica>();
    launched.push_back(h);
    return std::shared_ptr<ReplicaHandle>(h);
  }
  std::vector<std::shared_ptr<HeldReplica>> launched;
};

TEST_F(DeploymentTest, CallsOfALostReplicaRunAgainElsewhereOnlyWhenSafe) {
  HeldLauncher launcher;
  config_.max_ongoing_requests = 5;
  DeploymentSpec spec;
  spec.name = "svc";
  spec.routes = {{"GET", "/work", kWork, false, ""}};
  Deployment d(spec, config_,
               DeploymentContext{clock_, executor_, lifecycle_, nodes_, events_, launcher});
  d.deploy();
  lifecycle_.run_all();
  ASSERT_EQ(launcher.launched.size(), 1u);
  auto send = [&](int key, const std::string& method, const std::string& idempotency_key) {
    Request r;
    r.method = method;
    r.idempotency_key = idempotency_key;
    d.submit(kWork, r, clock_.now() + seconds(60), [this, key](Response res) {
      std::lock_guard lock(mu_);
      ++answer_count_[key];
      answers_[key] = std::move(res);
    });
  };
  send(1, "GET", "");
  send(2, "POST", "");         // creates something: never run twice blindly
  send(3, "POST", "order-7");  // its client allows a retry
  send(4, "GET", "");
  auto first = launcher.launched[0];
  ASSERT_EQ(first->holding(), 4u);

  // The first call learns the replica is gone; every call on it moves at once.
  first->end_one(CallOutcome::kLost);
  EXPECT_EQ(status_of(2), 503);
  EXPECT_NE(answers_[2].body.find("Idempotency-Key"), std::string::npos) << answers_[2].body;
  EXPECT_EQ(answers_for(1) + answers_for(3) + answers_for(4), 0);  // waiting for a replica
  // The lost replica is stopped and replaced; the calls run on the new one.
  clock_.advance(milliseconds(100));
  d.reconcile();
  lifecycle_.run_all();
  ASSERT_EQ(launcher.launched.size(), 2u);
  EXPECT_TRUE(first->stopped);
  auto second = launcher.launched[1];
  ASSERT_EQ(second->holding(), 3u);
  for (int i = 0; i < 3; ++i) second->end_one(CallOutcome::kAnswered);
  for (int key : {1, 3, 4}) {
    EXPECT_EQ(status_of(key), 200) << key;
    EXPECT_EQ(answers_for(key), 1) << key;
  }
  // Answers from the lost replica that arrive late change nothing.
  while (first->holding() > 0) first->end_one(CallOutcome::kAnswered);
  for (int key : {1, 2, 3, 4}) EXPECT_EQ(answers_for(key), 1) << key;
  DeploymentStatus s = d.status();
  EXPECT_EQ(s.ongoing, 0);
  EXPECT_EQ(s.num_replicas, 1);
  d.undeploy();
  clock_.advance(milliseconds(100));
  d.reconcile();
}

}  // namespace
}  // namespace tc::serve
