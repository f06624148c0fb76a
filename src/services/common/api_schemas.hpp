// The services' routes as the OpenAPI document describes them: JSON Schemas (OpenAPI 3.0's
// dialect) of query parameters, request bodies and answers, given to RouteSpec as text. The web
// tests check real answers against them, so they say what the handlers really send.
#pragma once

namespace tc::services::schemas {

// Times: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fffffffff]Z" or Unix milliseconds.
#define TC_TIME_SCHEMA R"s({"type": "string", "description": "ISO 8601 UTC or Unix milliseconds"})s"

// One job: a crawl, a stream or an algorithm run.
#define TC_JOB_SCHEMA \
  R"s({"type": "object", "required": ["id", "kind", "service", "state", "progress", "params"], "properties": { "id": {"type": "string", "format": "uuid"}, "kind": {"type": "string"}, "service": {"type": "string"}, "state": {"type": "string", "enum": ["pending", "running", "stopping", "succeeded", "failed", "stopped", "timed_out"]}, "progress": {"type": "number", "minimum": 0, "maximum": 1}, "owner": {"type": "object", "properties": {"replica": {"type": "string"}, "node": {"type": "string"}}}, "created_at": {"type": "string", "nullable": true}, "started_at": {"type": "string", "nullable": true}, "finished_at": {"type": "string", "nullable": true}, "params": {"type": "object"}, "result": {"type": "object", "description": "kind-specific; what a stopped job had done"}, "error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}, "stop_reason": {"type": "string"}}})s"

inline constexpr const char* kJob = TC_JOB_SCHEMA;

inline constexpr const char* kJobList = R"s({"type": "object", "required": ["count"],
  "properties": {"count": {"type": "integer"},
                 "crawls": {"type": "array", "items": )s" TC_JOB_SCHEMA R"s(},
                 "streams": {"type": "array", "items": )s" TC_JOB_SCHEMA R"s(},
                 "runs": {"type": "array", "items": )s" TC_JOB_SCHEMA R"s(}}})s";

inline constexpr const char* kJobQuery = R"s({"type": "object", "properties": {
  "state": {"type": "string", "enum": ["pending", "running", "stopping", "succeeded", "failed",
                                        "stopped", "timed_out"]},
  "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}})s";

inline constexpr const char* kServiceStatus = R"s({"type": "object",
  "required": ["service", "status", "replica", "node"],
  "properties": {"service": {"type": "string"}, "status": {"type": "string"},
                 "replica": {"type": "string"}, "node": {"type": "string"},
                 "pid": {"type": "integer"}, "uptime_s": {"type": "number"},
                 "limits": {"type": "object"}, "deployment": {"type": "object"}}})s";

// tickscrawler
inline constexpr const char* kCrawlRequest = R"s({"type": "object", "required": ["source"],
  "additionalProperties": false,
  "properties": {
    "source": {"type": "string", "example": "simulator"},
    "symbols": {"type": "array", "items": {"type": "string"}, "maxItems": 100},
    "file": {"type": "string", "description": "a CSV file of the import directory (csv source)"},
    "start": )s" TC_TIME_SCHEMA R"s(,
    "end": )s" TC_TIME_SCHEMA R"s(,
    "kind": {"type": "string", "enum": ["trades", "bars"], "default": "trades"},
    "interval": {"type": "string", "example": "1m"},
    "wait": {"type": "boolean", "default": false}}})s";

inline constexpr const char* kStreamRequest = R"s({"type": "object", "required": ["source"],
  "additionalProperties": false,
  "properties": {
    "source": {"type": "string", "example": "binance"},
    "symbols": {"type": "array", "items": {"type": "string"}},
    "speed": {"type": "number", "minimum": 0, "maximum": 10000,
              "description": "replay: 1 real time, 0 as fast as possible"},
    "of": {"type": "string", "description": "replay: the source whose stored trades it plays"},
    "start": )s" TC_TIME_SCHEMA R"s(,
    "end": )s" TC_TIME_SCHEMA R"s(}})s";

inline constexpr const char* kSources = R"s({"type": "object", "required": ["count", "sources"],
  "properties": {"count": {"type": "integer"}, "sources": {"type": "array", "items": {
    "type": "object", "required": ["name", "available"],
    "properties": {"name": {"type": "string"}, "kind": {"type": "string"},
                   "description": {"type": "string"}, "config": {"type": "object"},
                   "enabled": {"type": "boolean"}, "available": {"type": "boolean"},
                   "capabilities": {"type": "object", "properties": {
                     "trades": {"type": "boolean"}, "bars": {"type": "boolean"},
                     "live": {"type": "boolean"}, "files": {"type": "boolean"}}},
                   "instruments": {"type": "integer"}}}}}})s";

inline constexpr const char* kInstrumentsQuery = R"s({"type": "object", "properties": {
  "source": {"type": "string", "default": "simulator"},
  "search": {"type": "string", "description": "in the symbol, name or sector"},
  "sector": {"type": "string"}, "asset_class": {"type": "string"},
  "limit": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
  "cursor": {"type": "string"}}})s";

inline constexpr const char* kInstruments = R"s({"type": "object",
  "required": ["source", "count", "instruments"],
  "properties": {"source": {"type": "string"}, "total": {"type": "integer"},
    "count": {"type": "integer"}, "next_cursor": {"type": "string", "nullable": true},
    "instruments": {"type": "array", "items": {"type": "object", "required": ["symbol"],
      "properties": {"symbol": {"type": "string"}, "source": {"type": "string"},
        "id": {"type": "string"}, "name": {"type": "string"},
        "asset_class": {"type": "string"}, "sector": {"type": "string"},
        "currency": {"type": "string"}, "price_precision": {"type": "integer"},
        "size_precision": {"type": "integer"}}}}}})s";

inline constexpr const char* kHistoricalQuery = R"s({"type": "object", "required": ["symbol"],
  "properties": {
    "symbol": {"type": "string"}, "source": {"type": "string", "default": "simulator"},
    "start": )s" TC_TIME_SCHEMA R"s(, "end": )s" TC_TIME_SCHEMA R"s(,
    "interval": {"type": "string", "enum": ["1s", "5s", "15s", "30s", "1m", "5m", "15m", "30m",
                                            "1h", "4h", "1d"],
                 "description": "bars of this interval; trades without it"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1000},
    "format": {"type": "string", "enum": ["json", "csv"], "default": "json"},
    "cursor": {"type": "string"}}})s";

inline constexpr const char* kHistorical = R"s({"type": "object", "required": ["symbol", "source"],
  "properties": {"symbol": {"type": "string"}, "source": {"type": "string"},
    "interval": {"type": "string", "nullable": true}, "bars_from": {"type": "string"},
    "next_cursor": {"type": "string", "nullable": true},
    "ticks": {"type": "array", "items": {"type": "object",
      "required": ["ts_event", "price", "size"],
      "properties": {"trade_id": {"type": "string"}, "ts_event": {"type": "string"},
                     "ts_init": {"type": "string"}, "price": {"type": "number"},
                     "size": {"type": "number"},
                     "aggressor_side": {"type": "string"}}}},
    "bars": {"type": "array", "items": {"type": "object",
      "required": ["open_time", "open", "high", "low", "close", "volume"],
      "properties": {"open_time": {"type": "string"}, "open": {"type": "number"},
                     "high": {"type": "number"}, "low": {"type": "number"},
                     "close": {"type": "number"}, "volume": {"type": "number"},
                     "trade_count": {"type": "integer"}, "vwap": {"type": "number"}}}}}})s";

// Answered with server-sent events, not JSON: `x-content-type` gives the answer's media type.
inline constexpr const char* kTradeEvents = R"s({"type": "string",
  "x-content-type": "text/event-stream",
  "description": "event: trade, data: a trade as JSON (source, symbol, trade_id, ts_event, price, size, aggressor_side), as they arrive; event: end with the job when the stream ends"})s";

// screener
inline constexpr const char* kScreenRequest = R"s({"type": "object", "additionalProperties": false,
  "description": "at least one of filters, expression, sort_by",
  "properties": {
    "source": {"type": "string", "default": "simulator"},
    "interval": {"type": "string", "default": "1d"},
    "universe": {"type": "array", "items": {"type": "string"}},
    "sector": {"type": "string"},
    "filters": {"type": "array", "items": {"type": "string"}},
    "expression": {"type": "string", "example": "close > sma(close, 50) and rsi(close, 14) < 70"},
    "fields": {"type": "object", "additionalProperties": {"type": "string"},
               "example": {"rsi": "rsi(close, 14)"}},
    "sort_by": {"type": "string"},
    "descending": {"type": "boolean", "default": true},
    "limit": {"type": "integer", "minimum": 1, "default": 100},
    "as_of": )s" TC_TIME_SCHEMA R"s(}})s";

inline constexpr const char* kScreen = R"s({"type": "object",
  "required": ["matches", "count", "universe_size", "source", "interval"],
  "properties": {
    "matches": {"type": "array", "items": {"type": "object", "required": ["symbol", "values"],
      "properties": {"symbol": {"type": "string"}, "sector": {"type": "string"},
        "values": {"type": "object", "additionalProperties": {"anyOf": [
          {"type": "number", "nullable": true}, {"type": "boolean"}, {"type": "string"}],
          "description": "a number, a condition, text, or null when missing"}}}}},
    "count": {"type": "integer"}, "universe_size": {"type": "integer"},
    "as_of": {"type": "string", "nullable": true}, "source": {"type": "string"},
    "interval": {"type": "string"}, "elapsed_ms": {"type": "number"}}})s";

inline constexpr const char* kCheckRequest = R"s({"type": "object", "required": ["expression"],
  "additionalProperties": false,
  "properties": {"expression": {"type": "string"},
                 "as": {"type": "string", "enum": ["any", "condition"], "default": "any"}}})s";

inline constexpr const char* kCheck = R"s({"type": "object", "required": ["valid"],
  "properties": {"valid": {"type": "boolean"},
    "type": {"type": "string", "enum": ["a number", "a condition", "text"]},
    "error": {"type": "object", "required": ["message"],
      "properties": {"message": {"type": "string"}, "line": {"type": "integer"},
                     "column": {"type": "integer"}}}}})s";

#define TC_FILTER_SCHEMA \
  R"s({"type": "object", "required": ["name", "expression", "builtin"], "properties": {"name": {"type": "string"}, "expression": {"type": "string"}, "description": {"type": "string"}, "builtin": {"type": "boolean"}}})s"

inline constexpr const char* kFilter = TC_FILTER_SCHEMA;
inline constexpr const char* kFilters = R"s({"type": "object", "required": ["count", "filters"],
  "properties": {"count": {"type": "integer"},
                 "filters": {"type": "array", "items": )s" TC_FILTER_SCHEMA R"s(}}})s";

inline constexpr const char* kFilterRequest = R"s({"type": "object",
  "required": ["name", "expression"], "additionalProperties": false,
  "properties": {"name": {"type": "string", "pattern": "^[a-z0-9_]{1,64}$"},
                 "expression": {"type": "string"}, "description": {"type": "string"}}})s";

inline constexpr const char* kSourceQuery = R"s({"type": "object", "properties": {
  "source": {"type": "string", "default": "simulator"}}})s";

#define TC_MOVERS_SCHEMA \
  R"s({"type": "array", "items": {"type": "object", "properties": { "symbol": {"type": "string"}, "sector": {"type": "string"}, "close": {"type": "number"}, "volume": {"type": "number"}, "change_pct": {"type": "number", "nullable": true}, "traded_value": {"type": "number"}}}})s"

inline constexpr const char* kMarketOverview = R"s({"type": "object",
  "required": ["source", "universe_size", "breadth"],
  "properties": {"source": {"type": "string"}, "interval": {"type": "string"},
    "universe_size": {"type": "integer"}, "computed_at": {"type": "string"},
    "breadth": {"type": "object", "properties": {"advancers": {"type": "integer"},
      "decliners": {"type": "integer"}, "unchanged": {"type": "integer"}}},
    "top_gainers": )s" TC_MOVERS_SCHEMA R"s(, "top_losers": )s" TC_MOVERS_SCHEMA R"s(,
    "most_active": )s" TC_MOVERS_SCHEMA R"s(,
    "new_highs": {"type": "object", "description": "52-week highs", "properties": {
      "count": {"type": "integer"}, "symbols": {"type": "array", "items": {"type": "string"}}}},
    "new_lows": {"type": "object", "description": "52-week lows", "properties": {
      "count": {"type": "integer"}, "symbols": {"type": "array", "items": {"type": "string"}}}},
    "sectors": {"type": "array", "items": {"type": "object", "properties": {
      "sector": {"type": "string"}, "instruments": {"type": "integer"},
      "advancers": {"type": "integer"}, "decliners": {"type": "integer"},
      "average_change_pct": {"type": "number", "nullable": true}}}}}})s";

// algorunner
inline constexpr const char* kRunRequest = R"s({"type": "object", "required": ["algorithm"],
  "additionalProperties": false,
  "properties": {
    "algorithm": {"type": "string", "example": "sma_crossover"},
    "symbols": {"type": "array", "items": {"type": "string"}},
    "parameters": {"type": "object", "example": {"fast_period": 10, "slow_period": 50}},
    "start": )s" TC_TIME_SCHEMA R"s(, "end": )s" TC_TIME_SCHEMA R"s(,
    "mode": {"type": "string", "enum": ["backtest", "paper"], "default": "backtest"},
    "source": {"type": "string", "default": "simulator"},
    "interval": {"type": "string", "default": "1d"},
    "initial_capital": {"type": "number", "minimum": 1, "default": 100000},
    "fee_rate": {"type": "number", "minimum": 0, "maximum": 0.1, "default": 0},
    "slippage_bps": {"type": "number", "minimum": 0, "maximum": 1000, "default": 0},
    "csv": {"type": "string", "description": "a CSV file of bars in the import directory"},
    "sweep": {"type": "object", "additionalProperties": {"type": "array"},
              "example": {"fast_period": [5, 10], "slow_period": [50, 100]}},
    "request_id": {"type": "string"},
    "wait": {"type": "boolean", "default": false}}})s";

inline constexpr const char* kStopRequest = R"s({"type": "object", "required": ["run_id"],
  "additionalProperties": false, "properties": {"run_id": {"type": "string"}}})s";

inline constexpr const char* kAlgorithms =
    R"s({"type": "object", "required": ["count", "algorithms"],
  "properties": {"count": {"type": "integer"}, "algorithms": {"type": "array", "items": {
    "type": "object", "required": ["name", "parameters"],
    "properties": {"name": {"type": "string"}, "description": {"type": "string"},
      "enabled": {"type": "boolean"},
      "parameters": {"type": "object", "additionalProperties": {"type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["int", "number", "expression"]},
                       "default": {}, "min": {"type": "number"},
                       "max": {"type": "number"}}}}}}}}})s";

// probe
inline constexpr const char* kSleepQuery = R"s({"type": "object", "properties": {
  "ms": {"type": "integer", "minimum": 0, "maximum": 60000, "default": 0}}})s";

#undef TC_TIME_SCHEMA
#undef TC_JOB_SCHEMA
#undef TC_FILTER_SCHEMA
#undef TC_MOVERS_SCHEMA

}  // namespace tc::services::schemas
