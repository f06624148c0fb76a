// Streams: a source's live trades into the stores and onto the bus, as a background job.
//
// A stream subscribes to its source's live feed, and as trades arrive (lingering 5 ms for more,
// up to 1000) checks them where they enter, stores the valid ones in one batch, publishes each new
// one on `tc.v1.data.trades.<source>.<symbol>` for the other services and for event streams,
// and keeps the latest trade per symbol in the cache (`latest_trade:<source>:<symbol>`). Its
// result counts what it stored, skipped and refused so far, updated while it runs.
//
// A stream survives the process: one left running (a crash, or a node that stopped) is resumed
// at the next start under the same id. It first fetches the history it missed — from its newest
// stored trade, or from its start when it had stored none — so that where the source has trade
// ids nothing is lost or stored twice (the simulator regenerates what it missed).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster/bus.hpp"
#include "core/json.hpp"
#include "market/source_registry.hpp"
#include "market/trade_tick.hpp"
#include "serve/job_runner.hpp"
#include "serve/request.hpp"
#include "services/common/service_context.hpp"
#include "storage/cache.hpp"
#include "storage/store.hpp"

namespace tc::services {

struct StreamRequest {
  std::string source;
  std::vector<std::string> symbols;
  double speed = 1;                   // for replay: 1 is real time, 0 as fast as possible
  std::string of;                     // for replay: the source whose stored trades are played
  std::optional<int64_t> start, end;  // for replay: the stored trades' range

  json::object to_params() const;
  // A stream's request from its job's params (to resume it). invalid_argument when malformed.
  static Result<StreamRequest> from_params(const json::value& params);
};

// Reads and checks the body of POST /api/tickscrawler/stream.
Result<StreamRequest> read_stream_request(const serve::Request& request);
// Checks the source exists, is built and has a live feed, and lists every symbol (for a replay:
// the replayed source does, and the replay's own instruments are made from those).
Result<market::Source*> check_stream(const StreamRequest& stream, storage::Store& store,
                                     const market::SourceRegistry& sources);

struct StreamOutputs {
  storage::Store& store;
  storage::Cache& cache;
  cluster::Bus& bus;
};

// The stream job's work. `resume_from` (UTC ns) is when a resumed stream's missing history
// begins if it stored nothing yet; 0 for a new stream, which fetches no history.
serve::JobWork stream_work(StreamOutputs out, market::Source& source, StreamRequest stream,
                           int64_t resume_from);

// Streams have no time limit; this stands for none.
inline constexpr Duration kStreamTimeLimit = std::chrono::hours(24 * 365 * 100);

// Resumes the streams `ctx.node` left active: running ones go on under their id after fetching
// what they missed, stopping ones end stopped, and one whose source is gone fails. Returns how
// many resumed.
Result<int> resume_streams(const ServiceContext& ctx);
// Takes over the streams a lost node (`from_node`) left active, as resume_streams does for the
// node's own: each becomes this node's (`ctx.node`) in one conditional change of owner, so that
// of several nodes taking over, one alone runs it; it then fetches what it missed since its
// newest stored trade (the trade key keeps nothing twice). Returns how many it took.
Result<int> take_over_streams(const ServiceContext& ctx, const std::string& from_node);

// `tc.v1.data.trades.<source>.<symbol>`: where a stream publishes its trades.
std::string trades_subject(std::string_view source, std::string_view symbol);
// The cache key of a symbol's latest trade.
std::string latest_trade_key(std::string_view source, std::string_view symbol);
// A trade as the bus and event streams carry it: JSON with exact decimals and ISO times.
std::string trade_event_json(const market::TradeTick& tick);

}  // namespace tc::services
