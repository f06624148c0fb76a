#include "net/http_message.hpp"

#include <gtest/gtest.h>

namespace tc::net {
namespace {

TEST(AcceptsGzipTest, ReadsTheCodingsAndTheirQuality) {
  EXPECT_TRUE(accepts_gzip_encoding("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip_encoding("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip_encoding("x-gzip"));
  EXPECT_TRUE(accepts_gzip_encoding(" deflate , gzip "));
  EXPECT_FALSE(accepts_gzip_encoding(""));
  EXPECT_FALSE(accepts_gzip_encoding("identity"));
  EXPECT_FALSE(accepts_gzip_encoding("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip_encoding("gzip;q=0.000, br"));
  EXPECT_FALSE(accepts_gzip_encoding("gzipped"));
}

}  // namespace
}  // namespace tc::net
