#include "core/elastic_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "support/wait.hpp"

namespace tc {
namespace {

using std::chrono::milliseconds;

// A gate tasks wait on until the test opens it.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(ElasticPoolTest, RunsEveryTaskAtOnceOnAThreadOfItsOwn) {
  ElasticPool pool;
  Gate gate;
  std::atomic<int> running{0};
  for (int i = 0; i < 64; ++i) {
    pool.post([&] {
      ++running;
      gate.wait();
    });
  }
  // All 64 block at once: none waits behind another.
  EXPECT_TRUE(testing::wait_until([&] { return running.load() == 64; }));
  EXPECT_EQ(pool.busy(), 64);
  gate.open();
  EXPECT_EQ(pool.stop(std::chrono::seconds(10)), 0);
  EXPECT_EQ(pool.peak_threads(), 64);
}

TEST(ElasticPoolTest, ReusesIdleThreadsAndRetiresThemAfterTheIdleTimeout) {
  ElasticPool pool(ElasticPoolOptions{"test", 4096, milliseconds(50)});
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) {
    pool.post([&] { ++done; });
    ASSERT_TRUE(testing::wait_until([&] { return done.load() == i + 1 && pool.busy() == 0; }));
  }
  EXPECT_EQ(pool.peak_threads(), 1);  // one after another: the idle thread takes the next
  EXPECT_TRUE(testing::wait_until([&] { return pool.threads() == 0; }));
}

TEST(ElasticPoolTest, StopDetachesAStuckTaskAfterTheTimeoutAndCountsIt) {
  auto gate = std::make_shared<Gate>();
  ElasticPool pool;
  std::atomic<bool> started{false};
  pool.post([gate, &started] {
    started = true;
    gate->wait();
  });
  ASSERT_TRUE(testing::wait_until([&] { return started.load(); }));
  EXPECT_EQ(pool.stop(milliseconds(20)), 1);
  std::atomic<bool> ran_after_stop{false};
  pool.post([&] { ran_after_stop = true; });  // refused: the pool has stopped
  gate->open();
  EXPECT_EQ(pool.stop(std::chrono::seconds(10)), 0);
  EXPECT_FALSE(ran_after_stop.load());
}

TEST(ElasticPoolTest, ATaskThatThrowsDoesNotTakeThePoolDown) {
  ElasticPool pool;
  std::atomic<bool> after{false};
  pool.post([] { throw std::runtime_error("boom"); });
  pool.post([&] { after = true; });
  EXPECT_TRUE(testing::wait_until([&] { return after.load(); }));
}

}  // namespace
}  // namespace tc
