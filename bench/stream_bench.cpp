// Stream benchmark through the real binary, fed by a fake Binance on loopback (REST and
// WebSocket, in the Binance formats):
//   throughput  trades/s from the fake exchange's WebSocket burst to the store (counted in the
//               node's SQLite file), beside a bare SQLite insert of the same number of rows;
//   latency     a trade's arrival (its exchange time, sent at 1000 trades/s) to its event on an
//               SSE client of GET /api/tickscrawler/stream/{id}/events: p50 and p99.
//
//   stream_bench [trades for the burst, default 200000]
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/json.hpp"
#include "core/time_parse.hpp"
#include "support/fake_binance.hpp"
#include "support/fake_binance_ws.hpp"
#include "support/node_process.hpp"
#include "support/raw_http.hpp"

namespace {

using namespace tc;
using Steady = std::chrono::steady_clock;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t count_ticks(const std::filesystem::path& db) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* s = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM tickscrawler_ticks WHERE source = 'binance'", -1,
                         &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    n = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

std::string start_stream(tc::testing::NodeProcess& node) {
  auto r = node.request("POST", "/api/tickscrawler/stream",
                        R"({"source":"binance","symbols":["BTCUSDT"]})");
  if (!r.is_ok() || r->status != 202) {
    std::fprintf(stderr, "stream_bench: cannot start a stream: %s\n",
                 r.is_ok() ? r->body.c_str() : r.status().to_string().c_str());
    std::exit(1);
  }
  return std::string(parse_json(r->body)->as_object().at("id").as_string());
}

}  // namespace

int main(int argc, char** argv) {
  int burst = argc > 1 ? std::atoi(argv[1]) : 200000;
  const int64_t first_ms = wall_ms() - 3'600'000;
  tc::testing::FakeBinance rest(1, first_ms, 1);
  std::atomic<int64_t> sent_at_ns{0};

  // Throughput: one connection that sends the whole burst at once, then holds.
  double trades_per_s = 0;
  {
    tc::testing::FakeBinanceWs ws([&](int) {
      tc::testing::FakeBinanceWs::Script s;
      for (int i = 0; i < burst; ++i) {
        s.messages.push_back(tc::testing::FakeBinanceWs::message("BTCUSDT", 10'000 + i,
                                                                 "30000." + std::to_string(i % 100),
                                                                 "0.001", first_ms + i, i % 2));
      }
      s.drop = false;
      sent_at_ns = Steady::now().time_since_epoch().count();
      return s;
    });
    tc::testing::NodeProcess node({{"TICKSCRAWLER_BINANCE_REST_URL", rest.url()},
                                   {"TICKSCRAWLER_BINANCE_WS_URL", ws.url()},
                                   {"TC_ACCESS_LOG_LEVEL", "off"}});
    if (!node.start()) {
      std::fprintf(stderr, "stream_bench: the node did not start:\n%s\n", node.output().c_str());
      return 1;
    }
    start_stream(node);
    auto db = node.dir() / "data" / "tradecluster.db";
    auto give_up = Steady::now() + std::chrono::seconds(120);
    int64_t stored = 0;
    while ((stored = count_ticks(db)) < burst && Steady::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (stored < burst) {
      std::fprintf(stderr, "stream_bench: only %lld of %d trades stored in 2 minutes\n%s\n",
                   static_cast<long long>(stored), burst, node.output().substr(0, 4000).c_str());
      return 1;
    }
    double seconds =
        static_cast<double>(Steady::now().time_since_epoch().count() - sent_at_ns) / 1e9;
    trades_per_s = burst / seconds;
  }

  // Latency: 5000 trades at 1000 a second, each stamped with the time it is sent.
  constexpr int kPaced = 5000;
  std::vector<double> latencies;
  {
    std::atomic<bool> go{false};
    tc::testing::FakeBinanceWs ws([&](int) {
      tc::testing::FakeBinanceWs::Script s;
      while (!go) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      s.paced_count = kPaced;
      s.spacing = std::chrono::microseconds(1000);
      s.paced = [](int i) {
        return tc::testing::FakeBinanceWs::message("BTCUSDT", 1'000'000 + i, "30000.5", "0.001",
                                                   wall_ms(), false);
      };
      s.drop = false;
      return s;
    });
    tc::testing::NodeProcess node({{"TICKSCRAWLER_BINANCE_REST_URL", rest.url()},
                                   {"TICKSCRAWLER_BINANCE_WS_URL", ws.url()},
                                   {"TC_ACCESS_LOG_LEVEL", "off"}});
    if (!node.start()) return 1;
    std::string id = start_stream(node);
    tc::testing::RawConnection sse(node.port());
    sse.send_text("GET /api/tickscrawler/stream/" + id + "/events HTTP/1.1\r\nHost: x\r\n\r\n");
    sse.read_until(":ok");
    go = true;
    size_t parsed_to = 0;
    while (static_cast<int>(latencies.size()) < kPaced) {
      if (!sse.read_more(std::chrono::seconds(10))) break;
      int64_t now = wall_ms();
      const std::string& text = sse.received();
      size_t at;
      while ((at = text.find("data: ", parsed_to)) != std::string::npos) {
        size_t end = text.find("\n\n", at);
        if (end == std::string::npos) break;
        auto event = parse_json(std::string_view(text).substr(at + 6, end - at - 6));
        parsed_to = end + 2;
        if (!event || !event->is_object()) continue;
        auto ts = parse_utc_time(event->as_object().at("ts_event").as_string());
        if (ts) latencies.push_back(static_cast<double>(now - *ts / 1'000'000));
      }
    }
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty()
               ? 0.0
               : latencies[static_cast<size_t>(p * static_cast<double>(latencies.size() - 1))];
  };
  std::printf("stream: %d trades from a fake exchange's WebSocket to the store\n", burst);
  std::printf("  tradecluster stream (WebSocket -> check -> store -> publish): %10.0f trades/s\n",
              trades_per_s);
  std::printf("  (reference: the bare SQLite insert of market_bench's ingest section)\n");
  std::printf(
      "latency: %zu trades at 1000/s, exchange time to the SSE client's event (ms, the "
      "exchange's millisecond resolution): p50 %.0f, p99 %.0f\n",
      latencies.size(), pct(0.5), pct(0.99));
  return 0;
}
