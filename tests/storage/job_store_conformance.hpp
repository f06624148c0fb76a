// The JobStore conformance suite: every Store implementation's jobs() must pass it. An
// implementation's test file instantiates it with its factory (see store_factory.hpp).
#pragma once

#include <atomic>
#include <thread>

#include "core/ids.hpp"
#include "storage/store_factory.hpp"

namespace tc::storage {

class JobStoreConformanceTest : public StoreTest {
 protected:
  static JobRecord job(const std::string& kind, int64_t created_at = 1) {
    JobRecord j;
    j.id = new_uuid();
    j.kind = kind;
    j.service = "algorunner";
    j.params = R"({"algorithm":"sma_crossover"})";
    j.created_at = created_at;
    return j;
  }
};

TEST_P(JobStoreConformanceTest, CreatedJobReadsBack) {
  JobRecord j = job("algorithm_run");
  ASSERT_TRUE(store_->jobs().create(j, 10).is_ok());
  auto got = store_->jobs().get(j.id);
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ(got->kind, "algorithm_run");
  EXPECT_EQ(got->params, j.params);
  EXPECT_EQ(got->state, JobState::kPending);
}

TEST_P(JobStoreConformanceTest, UnknownJobIsNotFound) {
  auto got = store_->jobs().get(new_uuid());
  ASSERT_FALSE(got.is_ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
}

TEST_P(JobStoreConformanceTest, DuplicateJobIdIsRefused) {
  JobRecord j = job("crawl");
  ASSERT_TRUE(store_->jobs().create(j, 10).is_ok());
  EXPECT_EQ(store_->jobs().create(j, 10).code(), StatusCode::kAlreadyExists);
}

TEST_P(JobStoreConformanceTest, CreateRefusesBeyondActiveLimit) {
  ASSERT_TRUE(store_->jobs().create(job("stream"), 2).is_ok());
  ASSERT_TRUE(store_->jobs().create(job("stream"), 2).is_ok());
  Status third = store_->jobs().create(job("stream"), 2);
  EXPECT_EQ(third.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(third.message().find("at most 2"), std::string::npos);
  // Other kinds have their own limit.
  EXPECT_TRUE(store_->jobs().create(job("crawl"), 2).is_ok());
}

TEST_P(JobStoreConformanceTest, ConcurrentCreatesNeverExceedLimit) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (store_->jobs().create(job("algorithm_run"), 10).is_ok()) ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(*store_->jobs().count_active("algorithm_run"), 10);
}

TEST_P(JobStoreConformanceTest, TerminalJobCannotChange) {
  JobRecord j = job("algorithm_run");
  ASSERT_TRUE(store_->jobs().create(j, 10).is_ok());
  JobTransition succeed;
  succeed.from = {JobState::kPending, JobState::kRunning};
  succeed.to = JobState::kSucceeded;
  succeed.result = R"({"pnl":1})";
  auto after = store_->jobs().transition(j.id, succeed);
  ASSERT_TRUE(after.is_ok()) << after.status().to_string();
  EXPECT_EQ(after->state, JobState::kSucceeded);
  EXPECT_EQ(after->result, R"({"pnl":1})");
  JobTransition restart;
  restart.from = {JobState::kPending, JobState::kRunning};
  restart.to = JobState::kRunning;
  auto refused = store_->jobs().transition(j.id, restart);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("succeeded"), std::string::npos);
  EXPECT_EQ(store_->jobs().get(j.id)->state, JobState::kSucceeded);
  EXPECT_EQ(*store_->jobs().count_active("algorithm_run"), 0);
}

TEST_P(JobStoreConformanceTest, HostileTextIsStoredAsAValue) {
  for (const std::string& text : hostile_strings()) {
    JobRecord j = job(text);
    j.service = text;
    j.owner_node = text;
    j.result = text;
    ASSERT_TRUE(store_->jobs().create(j, 10).is_ok()) << text;
    auto got = store_->jobs().get(j.id);
    ASSERT_TRUE(got.is_ok());
    EXPECT_EQ(got->kind, text);
    EXPECT_EQ(got->service, text);
    EXPECT_EQ(got->owner_node, text);
    EXPECT_EQ(got->result, text);
    JobQuery q;
    q.kind = text;
    EXPECT_EQ(store_->jobs().list(q)->size(), 1u);
    EXPECT_EQ(*store_->jobs().count_active(text), 1);
  }
  EXPECT_EQ(store_->jobs().get("x' OR '1'='1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->jobs().list({})->size(), hostile_strings().size());
}

TEST_P(JobStoreConformanceTest, TransitionOfUnknownJobIsNotFound) {
  JobTransition t;
  t.from = {JobState::kPending};
  t.to = JobState::kRunning;
  EXPECT_EQ(store_->jobs().transition(job("crawl").id, t).status().code(), StatusCode::kNotFound);
}

TEST_P(JobStoreConformanceTest, TransitionKeepsFieldsItDoesNotSet) {
  JobRecord j = job("crawl");
  ASSERT_TRUE(store_->jobs().create(j, 10).is_ok());
  JobTransition start;
  start.from = {JobState::kPending};
  start.to = JobState::kRunning;
  start.started_at = 1234;
  ASSERT_TRUE(store_->jobs().transition(j.id, start).is_ok());
  JobTransition progress;
  progress.from = {JobState::kPending, JobState::kRunning};
  progress.progress = 0.5;
  auto after = store_->jobs().transition(j.id, progress);
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(after->state, JobState::kRunning);  // not put back to pending
  EXPECT_EQ(after->started_at, 1234);
  EXPECT_DOUBLE_EQ(after->progress, 0.5);
}

TEST_P(JobStoreConformanceTest, OneNodeAloneTakesOverAJobFromTheNodeThatOwnedIt) {
  JobRecord j = job("stream");
  j.owner_node = "worker-1";
  j.owner_replica = "tickscrawler#1";
  j.state = JobState::kRunning;
  ASSERT_TRUE(store_->jobs().create(j, 10).is_ok());
  std::atomic<int> taken{0};
  std::vector<std::thread> takers;
  for (int n = 2; n <= 5; ++n) {
    takers.emplace_back([&, n] {
      JobTransition take;
      take.from = {JobState::kPending, JobState::kRunning};
      take.owner_node_was = "worker-1";
      take.owner_node = "worker-" + std::to_string(n);
      take.owner_replica = "";
      auto r = store_->jobs().transition(j.id, take);
      if (r.is_ok()) {
        ++taken;
      } else {
        EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
        EXPECT_NE(r.status().message().find("owned by node worker-"), std::string::npos);
      }
    });
  }
  for (auto& t : takers) t.join();
  EXPECT_EQ(taken, 1);
  auto after = store_->jobs().get(j.id);
  ASSERT_TRUE(after.is_ok());
  EXPECT_NE(after->owner_node, "worker-1");
  EXPECT_EQ(after->state, JobState::kRunning);
  EXPECT_EQ(after->params, j.params);
}

TEST_P(JobStoreConformanceTest, ConcurrentTransitionsLoseNothing) {
  // Progress reports race the start and each other; the start must stick, and exactly one of
  // two racing finishes wins.
  for (int round = 0; round < 20; ++round) {
    JobRecord j = job("algorithm_run");
    ASSERT_TRUE(store_->jobs().create(j, 1000).is_ok());
    std::atomic<int> finished{0};
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
      JobTransition start;
      start.from = {JobState::kPending};
      start.to = JobState::kRunning;
      EXPECT_TRUE(store_->jobs().transition(j.id, start).is_ok());
    });
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&, k] {
        JobTransition progress;
        progress.from = {JobState::kPending, JobState::kRunning};
        progress.progress = 0.1 * (k + 1);
        (void)store_->jobs().transition(j.id, progress);
      });
    }
    for (auto& t : threads) t.join();
    threads.clear();
    EXPECT_EQ(store_->jobs().get(j.id)->state, JobState::kRunning);
    for (JobState end : {JobState::kSucceeded, JobState::kStopped}) {
      threads.emplace_back([&, end] {
        JobTransition finish;
        finish.from = {JobState::kPending, JobState::kRunning};
        finish.to = end;
        if (store_->jobs().transition(j.id, finish).is_ok()) ++finished;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(finished.load(), 1);
    EXPECT_TRUE(is_terminal(store_->jobs().get(j.id)->state));
  }
}

TEST_P(JobStoreConformanceTest, StoppingIsActiveAndEndsOnlyOnce) {
  JobRecord j = job("crawl");
  ASSERT_TRUE(store_->jobs().create(j, 1).is_ok());
  JobTransition stopping;
  stopping.from = {JobState::kPending, JobState::kRunning};
  stopping.to = JobState::kStopping;
  ASSERT_TRUE(store_->jobs().transition(j.id, stopping).is_ok());
  EXPECT_EQ(*store_->jobs().count_active("crawl"), 1);
  EXPECT_EQ(store_->jobs().create(job("crawl"), 1).code(), StatusCode::kResourceExhausted);
  JobTransition stopped;
  stopped.from = {JobState::kStopping};
  stopped.to = JobState::kStopped;
  stopped.result = R"({"ticks_stored":3})";
  stopped.error = R"({"code":"stopped","message":"stopped by request"})";
  auto after = store_->jobs().transition(j.id, stopped);
  ASSERT_TRUE(after.is_ok()) << after.status().to_string();
  EXPECT_EQ(after->state, JobState::kStopped);
  EXPECT_EQ(after->result, R"({"ticks_stored":3})");
  EXPECT_EQ(after->error, stopped.error);
  EXPECT_EQ(*store_->jobs().count_active("crawl"), 0);
  EXPECT_FALSE(store_->jobs().transition(j.id, stopped).is_ok());
}

TEST_P(JobStoreConformanceTest, ListFiltersAndOrdersNewestFirst) {
  JobRecord a = job("crawl", 100), b = job("crawl", 200), c = job("stream", 300);
  for (auto* j : {&a, &b, &c}) ASSERT_TRUE(store_->jobs().create(*j, 10).is_ok());
  JobQuery q;
  q.kind = "crawl";
  auto listed = store_->jobs().list(q);
  ASSERT_TRUE(listed.is_ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, b.id);
  EXPECT_EQ((*listed)[1].id, a.id);
  q.limit = 1;
  EXPECT_EQ(store_->jobs().list(q)->size(), 1u);
  JobQuery running;
  running.state = JobState::kRunning;
  EXPECT_TRUE(store_->jobs().list(running)->empty());
}

}  // namespace tc::storage
