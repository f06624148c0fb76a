#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tc {
namespace {

TEST(IdsTest, NewUuidIsVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_uuid();
    ASSERT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdsTest, IsUuidRejectsMalformed) {
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("abc"));
  EXPECT_FALSE(is_uuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_TRUE(is_uuid("123E4567-E89B-12D3-A456-426614174000"));
}

TEST(IdsTest, RequestIdsAreUniqueAndValid) {
  std::string a = next_request_id(), b = next_request_id();
  EXPECT_NE(a, b);
  EXPECT_TRUE(is_valid_request_id(a));
  EXPECT_FALSE(is_valid_request_id("has space"));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_request_id("x\r\ny"));
}

}  // namespace
}  // namespace tc
