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
  ASSERT_TRUE(registry_->succeed(job->id, json::object{{"pnl", 12.5}}).is_ok());
  auto done = registry_->get(job->id);
  ASSERT_TRUE(done.is_ok());
  EXPECT_EQ(done->state, JobState::kSucceeded);
  EXPECT_EQ(done->progress, 1.0);
  EXPECT_EQ(done->finished_at - done->started_at, 3'000'000'000);
  json::object j = to_json_object(*done);
  EXPECT_EQ(j.at("result").as_object().at("pnl").as_double(), 12.5);
  EXPECT_EQ(j.at("state").as_string(), "succeeded");
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
  ASSERT_TRUE(registry_->fail(job->id, "source gone").is_ok());
  EXPECT_EQ(registry_->start(job->id).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(registry_->succeed(job->id, nullptr).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(registry_->get(job->id)->error, "source gone");
}

TEST_F(JobRegistryTest, StopEndsJobAndTellsOwnerOverBus) {
  auto job = registry_->create("stream", "tickscrawler", nullptr, {"r1", "head"}, 5);
  ASSERT_TRUE(registry_->start(job->id).is_ok());
  std::atomic<bool> told{false};
  auto sub = bus_.subscribe(JobRegistry::stop_subject(job->id), "",
                            [&](const cluster::Message&) { told = true; });
  ASSERT_TRUE(sub.is_ok());
  auto stopped = registry_->request_stop(job->id, "user asked");
  ASSERT_TRUE(stopped.is_ok());
  EXPECT_EQ(stopped->state, JobState::kStopped);
  EXPECT_TRUE(testing::wait_until([&] { return told.load(); }));
  EXPECT_EQ(registry_->request_stop(job->id, "again").status().code(),
            StatusCode::kFailedPrecondition);
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
  auto failed = registry_->fail_jobs_of_node("worker-1");
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
    ASSERT_TRUE(registry_->succeed(job->id, json::object{}).is_ok());
  }
}

}  // namespace
}  // namespace tc::serve
