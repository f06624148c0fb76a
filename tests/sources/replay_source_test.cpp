#include "sources/replay_source.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "storage/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace tc::sources {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

class ReplaySourceTest : public ::testing::Test {
 protected:
  ReplaySourceTest() {
    auto s = storage::SqliteStore::open(dir_.path() / "r.db");
    EXPECT_TRUE(s.is_ok());
    store_ = std::move(s).value();
    for (const char* symbol : {"AAA", "BBB"}) {
      market::Instrument i;
      i.id = {symbol, "past"};
      EXPECT_TRUE(store_->instruments().put_instruments({&i, 1}).is_ok());
    }
    // AAA at 0 s, 10 s, 20 s; BBB at 5 s.
    std::vector<market::TradeTick> ticks;
    for (auto [symbol, at, id] : {std::tuple{"AAA", 0, "1"}, std::tuple{"AAA", 10, "2"},
                                  std::tuple{"AAA", 20, "3"}, std::tuple{"BBB", 5, "9"}}) {
      market::TradeTick t;
      t.instrument_id = {symbol, "past"};
      t.price = *market::parse_decimal("1.5");
      t.size = *market::parse_decimal("2");
      t.trade_id = id;
      t.ts_event = t.ts_init = 1'000 * kSecond + at * kSecond;
      ticks.push_back(t);
    }
    EXPECT_TRUE(store_->ticks().write_ticks(ticks).is_ok());
  }

  size_t count() {
    std::lock_guard lock(mu_);
    return got_.size();
  }

  market::TradeHandler collect() {
    return [this](const market::TradeTick& t) {
      std::lock_guard lock(mu_);
      got_.push_back(t);
    };
  }

  testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::mutex mu_;
  std::vector<market::TradeTick> got_;
};

TEST_F(ReplaySourceTest, PlaysTheSymbolsMergedInTimeOrderAtItsSpeed) {
  ReplaySource replay(store_->ticks(), store_->instruments(), clock_);
  market::LiveOptions o;
  o.of = "past";
  o.speed = 10;  // 20 s of trades in 2 s of the clock
  auto sub = replay.subscribe({"AAA", "BBB"}, o, collect());
  ASSERT_TRUE(sub.is_ok()) << sub.status().to_string();
  ASSERT_TRUE(testing::wait_until([&] { return count() == 1; }));  // the first at once
  clock_.advance(std::chrono::milliseconds(600));                  // past BBB's 0.5 s
  ASSERT_TRUE(testing::wait_until([&] { return count() == 2; }));
  clock_.advance(std::chrono::milliseconds(300));  // 0.9 s: AAA's second is due at 1 s
  EXPECT_FALSE(testing::wait_until([&] { return count() > 2; }, std::chrono::milliseconds(100)));
  clock_.advance(std::chrono::milliseconds(1200));
  ASSERT_TRUE(testing::wait_until([&] { return count() == 4; }));
  std::lock_guard lock(mu_);
  std::vector<std::string> order;
  for (const auto& t : got_) order.push_back(t.instrument_id.symbol + t.trade_id);
  EXPECT_EQ(order, (std::vector<std::string>{"AAA1", "BBB9", "AAA2", "AAA3"}));
  EXPECT_EQ(got_[0].instrument_id.source, "replay");
  EXPECT_EQ(got_[0].ts_event, 1'000 * kSecond);  // the trade's own time
}

TEST_F(ReplaySourceTest, SpeedZeroPlaysAsFastAsItCan) {
  ReplaySource replay(store_->ticks(), store_->instruments(), clock_);
  market::LiveOptions o;
  o.of = "past";
  o.speed = 0;
  auto sub = replay.subscribe({"AAA", "BBB"}, o, collect());
  ASSERT_TRUE(sub.is_ok());
  EXPECT_TRUE(testing::wait_until([&] { return count() == 4; }));  // the clock never moved
}

TEST_F(ReplaySourceTest, RefusesWhatItCannotPlay) {
  ReplaySource replay(store_->ticks(), store_->instruments(), clock_);
  market::LiveOptions o;
  EXPECT_EQ(replay.subscribe({"AAA"}, o, collect()).status().code(), StatusCode::kInvalidArgument);
  o.of = "past";
  EXPECT_EQ(replay.subscribe({"ZZZ"}, o, collect()).status().code(), StatusCode::kNotFound);
  o.speed = -1;
  EXPECT_EQ(replay.subscribe({"AAA"}, o, collect()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tc::sources
