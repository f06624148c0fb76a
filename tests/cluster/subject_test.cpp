#include <gtest/gtest.h>

#include "cluster/bus.hpp"

namespace tc::cluster {
namespace {

TEST(SubjectTest, ValidatesSubjects) {
  EXPECT_TRUE(is_valid_subject("tc.v1.data.trades.binance.BTCUSDT", false));
  EXPECT_FALSE(is_valid_subject("", false));
  EXPECT_FALSE(is_valid_subject(".tc", false));
  EXPECT_FALSE(is_valid_subject("tc.", false));
  EXPECT_FALSE(is_valid_subject("tc.*.x", false));
  EXPECT_TRUE(is_valid_subject("tc.*.x", true));
  EXPECT_TRUE(is_valid_subject("tc.>", true));
  EXPECT_FALSE(is_valid_subject("tc.>.x", true));
  EXPECT_FALSE(is_valid_subject("tc.a*b", true));
}

TEST(SubjectTest, MatchesWildcards) {
  EXPECT_TRUE(subject_matches("a.b.c", "a.b.c"));
  EXPECT_FALSE(subject_matches("a.b.c", "a.b"));
  EXPECT_FALSE(subject_matches("a.b", "a.b.c"));
  EXPECT_TRUE(subject_matches("a.*.c", "a.x.c"));
  EXPECT_FALSE(subject_matches("a.*.c", "a.x.y.c"));
  EXPECT_TRUE(subject_matches("a.>", "a.x.y.z"));
  EXPECT_FALSE(subject_matches("a.>", "a"));
  EXPECT_TRUE(subject_matches("*", "a"));
  EXPECT_FALSE(subject_matches("*", "a.b"));
}

}  // namespace
}  // namespace tc::cluster
