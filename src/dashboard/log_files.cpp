#include "dashboard/log_files.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "core/json_writer.hpp"

namespace tc::dashboard {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kTailBytes = 16 << 20;
constexpr size_t kMaxTailLines = 5000;
constexpr uint64_t kMaxReadPerPoll = 1 << 20;

bool rotated_copy(std::string_view stem) {
  // "head.1": a rotated copy of head.log.
  auto dot = stem.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == stem.size()) return false;
  return std::all_of(stem.begin() + static_cast<long>(dot) + 1, stem.end(),
                     [](unsigned char c) { return std::isdigit(c); });
}

Status check_filter(std::string_view filter) {
  if (filter.size() <= LogFiles::kMaxFilter) return Status::ok();
  return invalid_argument("'filter' is longer than " + std::to_string(LogFiles::kMaxFilter) +
                          " characters");
}

int64_t modified_nanos(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  if (ec) return 0;
  auto system = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(system.time_since_epoch()).count();
}

std::string line_event(std::string_view line) {
  std::string data;
  JsonWriter w(data);
  w.value(line);
  return net::sse_event("line", data);
}

}  // namespace

bool contains_ignoring_case(std::string_view line, std::string_view filter) {
  if (filter.empty()) return true;
  auto it = std::search(
      line.begin(), line.end(), filter.begin(), filter.end(),
      [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); });
  return it != line.end();
}

struct LogFiles::Follower {
  fs::path path;
  std::string filter;
  uint64_t offset = 0;
  std::string partial;  // the start of a line not yet ended
  std::shared_ptr<net::EventSink> sink;
};

class LogFiles::Stream : public net::EventStream {
 public:
  Stream(LogFiles& files, std::shared_ptr<Follower> follower)
      : files_(files), follower_(std::move(follower)) {}
  void start(std::shared_ptr<net::EventSink> sink) override {
    std::lock_guard lock(files_.mu_);
    follower_->sink = std::move(sink);
    files_.followers_.push_back(follower_);
    if (!files_.thread_) {
      files_.thread_ = std::make_unique<StoppableThread>([f = &files_](StopSignal& signal) {
        while (signal.wait_for(f->poll_interval_)) f->poll();
      });
    }
  }
  void stop() override {
    std::lock_guard lock(files_.mu_);
    std::erase(files_.followers_, follower_);
  }

 private:
  LogFiles& files_;
  std::shared_ptr<Follower> follower_;
};

LogFiles::LogFiles(fs::path dir, Duration poll_interval)
    : dir_(std::move(dir)), poll_interval_(poll_interval) {}

LogFiles::~LogFiles() {
  std::unique_ptr<StoppableThread> thread;
  {
    std::lock_guard lock(mu_);
    thread.swap(thread_);
  }
}

std::vector<LogFile> LogFiles::list() const {
  std::vector<LogFile> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".log") continue;
    std::string stem = entry.path().stem().string();
    if (stem.empty() || rotated_copy(stem)) continue;
    out.push_back({stem, entry.path(), entry.file_size(ec), modified_nanos(entry.path())});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.node < b.node; });
  return out;
}

Result<LogFile> LogFiles::find(std::string_view node) const {
  for (LogFile& f : list()) {
    if (f.node == node) return std::move(f);
  }
  return not_found("no log for node '" + std::string(node) + "' in " + dir_.string());
}

Result<std::string> LogFiles::tail(std::string_view node, size_t lines,
                                   std::string_view filter) const {
  TC_RETURN_IF_ERROR(check_filter(filter));
  LogFile file;
  TC_ASSIGN_OR_RETURN(file, find(node));
  lines = std::clamp<size_t>(lines, 1, kMaxTailLines);
  std::ifstream in(file.path, std::ios::binary);
  if (!in) return unavailable("cannot read " + file.path.string());
  const uint64_t start = file.size > kTailBytes ? file.size - kTailBytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(file.size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  // Walk back from the end, keeping the matching lines; a first line cut by `start` is dropped.
  std::vector<std::string_view> kept;
  size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;
  while (kept.size() < lines && end > 0) {
    size_t begin = text.rfind('\n', end - 1);
    begin = begin == std::string::npos ? 0 : begin + 1;
    if (begin == 0 && start > 0) break;
    std::string_view line(text.data() + begin, end - begin);
    if (contains_ignoring_case(line, filter)) kept.push_back(line);
    if (begin == 0) break;
    end = begin - 1;
  }
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("node", file.node).field("size", file.size).key("lines").begin_array();
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) w.value(*it);
  w.end_array().end_object();
  return out;
}

Result<std::shared_ptr<net::EventStream>> LogFiles::follow(std::string_view node,
                                                           std::string filter) {
  TC_RETURN_IF_ERROR(check_filter(filter));
  LogFile file;
  TC_ASSIGN_OR_RETURN(file, find(node));
  auto follower = std::make_shared<Follower>();
  follower->path = file.path;
  follower->filter = std::move(filter);
  follower->offset = file.size;
  return std::shared_ptr<net::EventStream>(std::make_shared<Stream>(*this, std::move(follower)));
}

void LogFiles::poll() {
  std::vector<std::shared_ptr<Follower>> followers;
  {
    std::lock_guard lock(mu_);
    followers = followers_;
  }
  std::vector<std::shared_ptr<Follower>> gone;
  for (auto& f : followers) {
    std::error_code ec;
    uint64_t size = fs::file_size(f->path, ec);
    if (ec) continue;        // between a rotation's rename and the new file
    if (size < f->offset) {  // rotated: the new file from its start
      f->offset = 0;
      f->partial.clear();
    }
    if (size == f->offset) continue;
    std::ifstream in(f->path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(f->offset));
    std::string chunk(std::min(size - f->offset, kMaxReadPerPoll), '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<size_t>(in.gcount()));
    f->offset += chunk.size();
    f->partial += chunk;
    std::string events;
    size_t begin = 0;
    for (size_t nl; (nl = f->partial.find('\n', begin)) != std::string::npos; begin = nl + 1) {
      std::string_view line(f->partial.data() + begin, nl - begin);
      if (contains_ignoring_case(line, f->filter)) events += line_event(line);
    }
    f->partial.erase(0, begin);
    if (!events.empty() && !f->sink->send(std::move(events))) gone.push_back(f);
  }
  std::lock_guard lock(mu_);
  for (auto& g : gone) std::erase(followers_, g);
}

}  // namespace tc::dashboard
