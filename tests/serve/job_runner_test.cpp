#include "serve/job_runner.hpp"

#include <gtest/gtest.h>

#include <latch>

#include "cluster/inproc_bus.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace tc::serve {
namespace {

using storage::JobState;

class JobRunnerTest : public ::testing::Test {
 protected:
  JobRunnerTest() {
    auto s = storage::SqliteStore::open(dir_.path() / "jobs.db");
    EXPECT_TRUE(s.is_ok());
    store_ = std::move(s).value();
    registry_ = std::make_unique<JobRegistry>(store_->jobs(), bus_, clock_);
    runner_ = std::make_unique<JobRunner>(*registry_, bus_, clock_);
  }

  JobSpec spec(const std::string& kind = "crawl", int max_active = 10) {
    JobSpec s;
    s.kind = kind;
    s.service = "tickscrawler";
    s.params = json::object{{"symbols", json::array{"ABC"}}};
    s.owner = {"tickscrawler#1", "head"};
    s.max_active = max_active;
    s.timeout = std::chrono::seconds(60);
    return s;
  }

  storage::JobRecord wait_ended(const std::string& id) {
    auto job = runner_->wait(id, clock_.now() + std::chrono::hours(1));
    EXPECT_TRUE(job.is_ok());
    return *job;
  }

  JobState state(const std::string& id) { return registry_->get(id)->state; }

  testing::TempDir dir_;
  ManualClock clock_;
  cluster::InProcBus bus_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<JobRegistry> registry_;
  std::unique_ptr<JobRunner> runner_;
};

TEST_F(JobRunnerTest, RunsInTheBackgroundReportsProgressAndSucceeds) {
  std::latch release(1);
  auto job = runner_->submit(spec(), [&](JobContext& ctx) -> Result<json::value> {
    ctx.set_progress(0.5);
    release.wait();
    return json::value(json::object{{"ticks_stored", 7}});
  });
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  EXPECT_EQ(job->state, JobState::kPending);
  ASSERT_TRUE(testing::wait_until([&] { return registry_->get(job->id)->progress == 0.5; }));
  EXPECT_EQ(state(job->id), JobState::kRunning);
  release.count_down();
  auto done = wait_ended(job->id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.progress, 1.0);
  EXPECT_EQ(done.result, R"({"ticks_stored":7})");
  EXPECT_EQ(runner_->running(), 0);
}

TEST_F(JobRunnerTest, StopRequestEndsTheJobStoppedWithItsPartialResultAfterTheWorkStopped) {
  std::atomic<int> written{0};
  std::atomic<bool> may_finish{false};
  auto job = runner_->submit(spec(), [&](JobContext& ctx) -> Result<json::value> {
    while (!ctx.should_stop()) {
      ++written;
      std::this_thread::yield();
    }
    // The job stays stopping until the work has really returned.
    while (!may_finish) std::this_thread::yield();
    return json::value(json::object{{"written", written.load()}});
  });
  ASSERT_TRUE(job.is_ok());
  ASSERT_TRUE(testing::wait_until([&] { return written > 10; }));
  auto stopping = registry_->request_stop(job->id, "stopped by request");
  ASSERT_TRUE(stopping.is_ok());
  EXPECT_EQ(stopping->state, JobState::kStopping);
  EXPECT_EQ(state(job->id), JobState::kStopping);
  int at_stop = written.load();
  may_finish = true;
  auto done = wait_ended(job->id);
  EXPECT_EQ(done.state, JobState::kStopped);
  EXPECT_EQ(written.load(), at_stop);  // nothing after the stop
  json::object j = to_json_object(done);
  EXPECT_EQ(j.at("result").as_object().at("written").as_int64(), at_stop);
  EXPECT_EQ(j.at("stop_reason").as_string(), "stopped by request");
}

TEST_F(JobRunnerTest, PastItsLimitAJobEndsTimedOutWithItsPartialResult) {
  JobSpec s = spec();
  s.timeout = std::chrono::seconds(5);
  std::atomic<int> steps{0};
  auto job = runner_->submit(s, [&](JobContext& ctx) -> Result<json::value> {
    while (!ctx.should_stop()) {
      ++steps;
      std::this_thread::yield();
    }
    return json::value(json::object{{"steps", steps.load()}});
  });
  ASSERT_TRUE(job.is_ok());
  ASSERT_TRUE(testing::wait_until([&] { return steps > 5; }));
  EXPECT_EQ(state(job->id), JobState::kRunning);
  clock_.advance(std::chrono::seconds(6));
  auto done = wait_ended(job->id);
  EXPECT_EQ(done.state, JobState::kTimedOut);
  json::object j = to_json_object(done);
  EXPECT_NE(j.at("stop_reason").as_string().find("time limit"), std::string::npos);
  EXPECT_TRUE(j.at("result").as_object().contains("steps"));
}

TEST_F(JobRunnerTest, ErrorsAndExceptionsFailTheJobWithCodeAndMessage) {
  auto failing = runner_->submit(spec(), [](JobContext&) -> Result<json::value> {
    return unavailable("exchange unreachable");
  });
  auto throwing = runner_->submit(
      spec(), [](JobContext&) -> Result<json::value> { throw std::runtime_error("boom"); });
  auto a = wait_ended(failing->id);
  EXPECT_EQ(a.state, JobState::kFailed);
  EXPECT_EQ(to_json(to_json_object(a).at("error")),
            R"({"code":"unavailable","message":"exchange unreachable"})");
  auto b = wait_ended(throwing->id);
  EXPECT_EQ(b.state, JobState::kFailed);
  EXPECT_NE(b.error.find("boom"), std::string::npos);
}

TEST_F(JobRunnerTest, LimitOfActiveJobsIsEnforced) {
  std::latch release(1);
  auto work = [&](JobContext&) -> Result<json::value> {
    release.wait();
    return json::value(json::object{});
  };
  auto first = runner_->submit(spec("crawl", 1), work);
  ASSERT_TRUE(first.is_ok());
  auto second = runner_->submit(spec("crawl", 1), work);
  EXPECT_EQ(second.status().code(), StatusCode::kResourceExhausted);
  release.count_down();
  wait_ended(first->id);
  auto third = runner_->submit(spec("crawl", 1), work);
  ASSERT_TRUE(third.is_ok());
  wait_ended(third->id);  // its work uses this test's latch
}

TEST_F(JobRunnerTest, ManyJobsRunAtOnce) {
  constexpr int kJobs = 12;
  std::latch all_running(kJobs);
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) {
    auto job = runner_->submit(spec("crawl", kJobs), [&](JobContext&) -> Result<json::value> {
      all_running.count_down();
      all_running.wait();  // only returns once every job runs at the same time
      return json::value(json::object{});
    });
    ASSERT_TRUE(job.is_ok());
    ids.push_back(job->id);
  }
  for (const auto& id : ids) EXPECT_EQ(wait_ended(id).state, JobState::kSucceeded);
}

TEST_F(JobRunnerTest, JobsADeadProcessLeftActiveAreMarkedFailedAtStart) {
  auto crawl = registry_->create("crawl", "tickscrawler", nullptr, {"t#1", "head"}, 10);
  auto run = registry_->create("algorithm_run", "algorunner", nullptr, {"a#1", "head"}, 10);
  auto stream = registry_->create("stream", "tickscrawler", nullptr, {"t#1", "head"}, 10);
  auto elsewhere = registry_->create("crawl", "tickscrawler", nullptr, {"t#2", "worker-1"}, 10);
  ASSERT_TRUE(registry_->start(crawl->id).is_ok());
  ASSERT_TRUE(registry_->start(run->id).is_ok());
  auto failed = runner_->fail_interrupted("head", {"crawl", "algorithm_run"});
  ASSERT_TRUE(failed.is_ok());
  EXPECT_EQ(*failed, 2);
  auto c = registry_->get(crawl->id);
  EXPECT_EQ(c->state, JobState::kFailed);
  EXPECT_EQ(to_json(to_json_object(*c).at("error")),
            R"({"code":"unavailable","message":"interrupted by a restart"})");
  EXPECT_EQ(state(run->id), JobState::kFailed);
  EXPECT_EQ(state(stream->id), JobState::kPending);     // streams are resumed instead
  EXPECT_EQ(state(elsewhere->id), JobState::kPending);  // another node's
}

TEST_F(JobRunnerTest, StoppingTheRunnerStopsItsJobsAndRefusesNewOnes) {
  auto job = runner_->submit(spec(), [&](JobContext& ctx) -> Result<json::value> {
    while (!ctx.should_stop()) std::this_thread::yield();
    return json::value(json::object{{"partial", true}});
  });
  ASSERT_TRUE(job.is_ok());
  ASSERT_TRUE(testing::wait_until([&] { return state(job->id) == JobState::kRunning; }));
  EXPECT_EQ(runner_->stop(std::chrono::seconds(10)), 0);
  EXPECT_EQ(state(job->id), JobState::kStopped);
  auto refused = runner_->submit(
      spec(), [](JobContext&) -> Result<json::value> { return json::value(json::object{}); });
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tc::serve
