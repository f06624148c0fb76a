#include "dashboard/log_files.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/json.hpp"
#include "support/recording_sink.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace tc::dashboard {
namespace {

void append(const std::filesystem::path& p, std::string_view text) {
  std::ofstream(p, std::ios::app) << text;
}

std::vector<std::string> lines_of(const Result<std::string>& tail) {
  std::vector<std::string> out;
  auto body = parse_json(*tail);
  for (const auto& l : body->as_object().at("lines").as_array()) {
    out.emplace_back(l.as_string());
  }
  return out;
}

TEST(LogFilesTest, ListsNodeLogsButNotRotatedCopies) {
  testing::TempDir dir;
  append(dir.path() / "head.log", "a\n");
  append(dir.path() / "head.1.log", "old\n");
  append(dir.path() / "worker-1.log", "b\n");
  append(dir.path() / "notes.txt", "c\n");
  LogFiles files(dir.path());
  auto list = files.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].node, "head");
  EXPECT_EQ(list[0].size, 2u);
  EXPECT_EQ(list[1].node, "worker-1");
}

TEST(LogFilesTest, TailKeepsTheLastMatchingLinesInOrder) {
  testing::TempDir dir;
  append(dir.path() / "head.log", "one INFO\ntwo warn\nthree INFO\nfour WARN\nfive info\n");
  LogFiles files(dir.path());
  EXPECT_EQ(lines_of(files.tail("head", 2, "")),
            (std::vector<std::string>{"four WARN", "five info"}));
  EXPECT_EQ(lines_of(files.tail("head", 10, "warn")),
            (std::vector<std::string>{"two warn", "four WARN"}));
  EXPECT_TRUE(lines_of(files.tail("head", 10, "nothing")).empty());
  const std::string long_filter(LogFiles::kMaxFilter + 1, 'x');
  EXPECT_EQ(files.tail("head", 10, long_filter).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(files.follow("head", long_filter).status().code(), StatusCode::kInvalidArgument);
}

TEST(LogFilesTest, OnlyNodeLogsCanBeRead) {
  testing::TempDir dir;
  append(dir.path() / "head.log", "a\n");
  append(dir.path().parent_path() / "secret.log", "no\n");
  LogFiles files(dir.path());
  EXPECT_EQ(files.tail("../secret", 10, "").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(files.tail("nobody", 10, "").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(files.follow("/etc/passwd", "").status().code(), StatusCode::kNotFound);
  std::filesystem::remove(dir.path().parent_path() / "secret.log");
}

TEST(LogFilesTest, FollowSendsTheMatchingLinesWrittenFromNowOn) {
  testing::TempDir dir;
  const auto path = dir.path() / "head.log";
  append(path, "before\n");
  LogFiles files(dir.path(), std::chrono::milliseconds(5));
  auto stream = files.follow("head", "event=");
  ASSERT_TRUE(stream);
  auto sink = std::make_shared<testing::RecordingSink>();
  (*stream)->start(sink);
  append(path, "event=a\nnoise\nevent=b partial");
  ASSERT_TRUE(
      testing::wait_until([&] { return sink->joined().find("event=a") != std::string::npos; }));
  append(path, " ends\n");
  ASSERT_TRUE(testing::wait_until([&] { return sink->sent().size() == 2; }));
  EXPECT_EQ(sink->joined(),
            "event: line\ndata: \"event=a\"\n\nevent: line\ndata: \"event=b partial ends\"\n\n");
  // A rotation: the new, shorter file is read from its start.
  std::filesystem::rename(path, dir.path() / "head.1.log");
  append(path, "event=c\n");
  ASSERT_TRUE(
      testing::wait_until([&] { return sink->joined().find("event=c") != std::string::npos; }));
  (*stream)->stop();
}

TEST(LogFilesTest, ContainsIgnoresCase) {
  EXPECT_TRUE(contains_ignoring_case("Event=Node_Started", "node_started"));
  EXPECT_TRUE(contains_ignoring_case("anything", ""));
  EXPECT_FALSE(contains_ignoring_case("abc", "abcd"));
}

}  // namespace
}  // namespace tc::dashboard
