#include "serve/job_registry.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "cluster/inproc_bus.hpp"
#include "core/ids.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace tc::serve {
namespace {

using storage::JobState;

class JobRegistryTest : public ::testing::Test {
 protected:
  JobRegistryTest() {
    auto s = storage::SqliteStore::open(dir_.path() / "jobs.db");
    EXPECT_TRUE(s.is_ok());
    store_ = std::move(s).value();
    registry_ = std::make_unique<JobRegistry>(store_->jobs(), bus_, clock_);
  }

  testing::TempDir dir_;
  ManualClock clock_;
  cluster::InProcBus bus_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<JobRegistry> registry_;
};

TEST_F(JobRegistryTest, LifeCycleToSuccess) {
  auto job = registry_->create("algorithm_run", "algorunner", json::object{{"a", 1}},
                               {"algorunner#1", "head"}, 10);
  ASSERT_TRUE(job.is_ok());
  EXPECT_EQ(job->state, JobState::kPending);
  ASSERT_TRUE(registry_->start(job->id).is_ok());
  clock_.advance(std::chrono::seconds(3));
  ASSERT_TRUE(registry_->set_progress(job->id, 0.5).is_ok());
  ASSERT_TRUE(registry_->end(job->id, JobState::kSucceeded, json::object{{"pnl", 12.5}}).is_ok());
  auto done = registry_->get(job->id);
  ASSERT_TRUE(done.is_ok());
  EXPECT_EQ(done->state, JobState::kSucceeded);
  EXPECT_EQ(done->progress, 1.0);
  EXPECT_EQ(done->finished_at - done->started_at, 3'000'000'000);
  json::object j = to_json_object(*done);
  EXPECT_EQ(j.at("result").as_object().at("pnl").as_double(), 12.5);
  EXPECT_EQ(j.at("state").as_string(), "succeeded");
  EXPECT_EQ(j.at("created_at").as_string(), "2023-11-14T22:13:20.000000000Z");
  EXPECT_FALSE(j.contains("error"));
}

TEST_F(JobRegistryTest, RefusesBeyondLimitWithReason) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(registry_->create("crawl", "tickscrawler", nullptr, {}, 2).is_ok());
  }
  auto third = registry_->create("crawl", "tickscrawler", nullptr, {}, 2);
  ASSERT_FALSE(third.is_ok());
  EXPECT_EQ(third.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(JobRegistryTest, EndedJobCannotRestartOrEndAgain) {
  auto job = registry_->create("stream", "tickscrawler", nullptr, {}, 5);
  ASSERT_TRUE(
      registry_->end(job->id, JobState::kFailed, nullptr, unavailable("source gone")).is_ok());
  EXPECT_EQ(registry_->start(job->id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(registry_->end(job->id, JobState::kSucceeded, nullptr).code(),
            StatusCode::kFailedPrecondition);
  json::object j = to_json_object(*registry_->get(job->id));
  EXPECT_EQ(to_json(j.at("error")), R"({"code":"unavailable","message":"source gone"})");
}

TEST_F(JobRegistryTest, StopMovesTheJobToStoppingAndTellsItsOwner) {
  auto job = registry_->create("stream", "tickscrawler", nullptr, {"r1", "head"}, 5);
  ASSERT_TRUE(registry_->start(job->id).is_ok());
  std::atomic<bool> told{false};
  auto sub = bus_.subscribe(JobRegistry::stop_subject(job->id), "", [&](const cluster::Message& m) {
    told = true;
    (void)bus_.publish(m.reply_to, "stopping");
  });
  ASSERT_TRUE(sub.is_ok());
  auto stopping = registry_->request_stop(job->id, "user asked");
  ASSERT_TRUE(stopping.is_ok());
  EXPECT_EQ(stopping->state, JobState::kStopping);
  EXPECT_TRUE(told.load());
  // Asking again is harmless; only the owner ends the job.
  EXPECT_EQ(registry_->request_stop(job->id, "again")->state, JobState::kStopping);
  EXPECT_EQ(registry_->end(job->id, JobState::kSucceeded, nullptr).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(registry_->end(job->id, JobState::kStopped, json::object{{"n", 3}}).is_ok());
  json::object j = to_json_object(*registry_->get(job->id));
  EXPECT_EQ(j.at("state").as_string(), "stopped");
  EXPECT_EQ(j.at("stop_reason").as_string(), "user asked");
  EXPECT_EQ(j.at("result").as_object().at("n").as_int64(), 3);
  EXPECT_EQ(registry_->request_stop(job->id, "late").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(JobRegistryTest, StopOfAJobWithoutAnOwnerEndsIt) {
  auto job = registry_->create("crawl", "tickscrawler", nullptr, {"gone", "head"}, 5);
  ASSERT_TRUE(registry_->start(job->id).is_ok());
  auto stopped = registry_->request_stop(job->id, "user asked");
  ASSERT_TRUE(stopped.is_ok());
  EXPECT_EQ(stopped->state, JobState::kStopped);
  EXPECT_GT(stopped->finished_at, 0);
}

TEST_F(JobRegistryTest, UnknownOrMalformedIds) {
  EXPECT_EQ(registry_->get("not-a-uuid").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->get(new_uuid()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->request_stop(new_uuid(), "x").status().code(), StatusCode::kNotFound);
}

TEST_F(JobRegistryTest, JobsOfLostNodeAreFailed) {
  auto a = registry_->create("stream", "tickscrawler", nullptr, {"r1", "worker-1"}, 5);
  auto b = registry_->create("stream", "tickscrawler", nullptr, {"r2", "head"}, 5);
  ASSERT_TRUE(registry_->start(a->id).is_ok());
  auto failed = registry_->fail_jobs_of_node("worker-1", unavailable("owner node lost"));
  ASSERT_TRUE(failed.is_ok());
  EXPECT_EQ(*failed, 1);
  EXPECT_EQ(registry_->get(a->id)->state, JobState::kFailed);
  EXPECT_EQ(registry_->get(b->id)->state, JobState::kPending);
}

TEST_F(JobRegistryTest, ProgressRacingStartNeverPutsTheJobBackToPending) {
  for (int round = 0; round < 50; ++round) {
    auto job = registry_->create("crawl", "tickscrawler", json::object{}, {"t#1", "head"}, 1000);
    ASSERT_TRUE(job.is_ok());
    std::thread progress([&] { (void)registry_->set_progress(job->id, 0.3); });
    ASSERT_TRUE(registry_->start(job->id).is_ok());
    progress.join();
    auto now = registry_->get(job->id);
    EXPECT_EQ(now->state, JobState::kRunning);
    EXPECT_GT(now->started_at, 0);
    ASSERT_TRUE(registry_->end(job->id, JobState::kSucceeded, json::object{}).is_ok());
  }
}

}  // namespace
}  // namespace tc::serve
