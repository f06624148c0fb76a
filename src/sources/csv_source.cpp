#include "sources/csv_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "core/time_parse.hpp"

namespace tc::sources {
namespace {

using market::Bar;
using market::Decimal;
using market::TradeTick;

constexpr int64_t kMaxFileBytes = 1LL << 30;
constexpr size_t kPage = 10000;

struct Columns {
  int time = -1, price = -1, size = -1, symbol = -1, id = -1, side = -1, maker = -1;
  int open = -1, high = -1, low = -1, close = -1, volume = -1, count = -1, vwap = -1;
  bool bars = false;
  size_t count_of_fields = 0;
};

// Everything in a file, checked and in time order.
struct Parsed {
  bool bars = false;
  bool symbol_column = false;
  std::vector<TradeTick> trades;
  std::vector<Bar> bar_rows;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Splits one line into fields, with RFC 4180 quoting ("a ""quoted"" field"). false when a quote
// is not closed on the line.
bool split(std::string_view line, char sep, std::vector<std::string>& out) {
  out.clear();
  std::string field;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      in_quotes = quoted = true;
      field.clear();
    } else if (c == sep) {
      out.push_back(quoted ? field : std::string(trim(field)));
      field.clear();
      quoted = false;
    } else {
      field += c;
    }
  }
  if (in_quotes) return false;
  out.push_back(quoted ? field : std::string(trim(field)));
  return true;
}

int find_column(const std::vector<std::string>& names,
                std::initializer_list<std::string_view> any) {
  for (std::string_view want : any) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == want) return static_cast<int>(i);
    }
  }
  return -1;
}

Result<Columns> read_header(std::string_view line, char& sep) {
  sep = line.find(',') != std::string_view::npos    ? ','
        : line.find('\t') != std::string_view::npos ? '\t'
        : line.find(';') != std::string_view::npos  ? ';'
                                                    : ',';
  std::vector<std::string> names;
  if (!split(line, sep, names)) return invalid_argument("line 1: a quote is not closed");
  for (auto& n : names) n = lower(n);
  Columns c;
  c.count_of_fields = names.size();
  c.time = find_column(
      names, {"ts_event", "timestamp", "time", "datetime", "date", "open_time", "ts", "t"});
  c.symbol = find_column(names, {"symbol", "ticker", "instrument"});
  c.price = find_column(names, {"price", "p"});
  c.size = find_column(names, {"quantity", "size", "qty", "amount", "q"});
  c.id = find_column(names, {"trade_id", "tradeid", "id", "a"});
  c.side = find_column(names, {"side", "aggressor_side"});
  c.maker = find_column(names, {"is_buyer_maker", "buyer_is_maker", "m"});
  c.open = find_column(names, {"open", "o"});
  c.high = find_column(names, {"high", "h"});
  c.low = find_column(names, {"low", "l"});
  c.close = find_column(names, {"close", "c"});
  c.volume = find_column(names, {"volume", "v"});
  c.count = find_column(names, {"trade_count", "trades", "count", "n"});
  c.vwap = find_column(names, {"vwap"});
  if (c.time < 0) {
    return invalid_argument(
        "line 1: no time column (one of ts_event, timestamp, time, datetime, date, open_time, "
        "ts, t)");
  }
  if (c.price >= 0 && c.size >= 0) {
    c.bars = false;
  } else if (c.open >= 0 && c.high >= 0 && c.low >= 0 && c.close >= 0) {
    c.bars = true;
  } else {
    return invalid_argument(
        "line 1: the header names neither trades (price, and quantity or size) nor bars (open, "
        "high, low, close)");
  }
  return c;
}

// ISO 8601, or an epoch number in seconds, milliseconds, microseconds or nanoseconds told apart
// by its magnitude; a fraction means seconds.
Result<int64_t> parse_time_cell(std::string_view s) {
  bool numeric = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '-';
  }) && s.find('-', 1) == std::string_view::npos;
  if (!numeric) return parse_utc_time(s);
  if (size_t dot = s.find('.'); dot != std::string_view::npos) {
    // Seconds with a fraction of up to nine digits.
    std::string_view whole = s.substr(0, dot), fraction = s.substr(dot + 1);
    int64_t secs = 0, nanos = 0;
    auto [p1, e1] = std::from_chars(whole.data(), whole.data() + whole.size(), secs);
    bool ok = e1 == std::errc() && p1 == whole.data() + whole.size() && !fraction.empty() &&
              fraction.size() <= 9 && secs > -9'200'000'000LL && secs < 9'200'000'000LL;
    for (char c : fraction) {
      ok = ok && c >= '0' && c <= '9';
      nanos = nanos * 10 + (c - '0');
    }
    if (!ok) return invalid_argument("'" + std::string(s) + "' is not a time");
    for (size_t i = fraction.size(); i < 9; ++i) nanos *= 10;
    return secs * 1'000'000'000 + (s.front() == '-' ? -nanos : nanos);
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return invalid_argument("'" + std::string(s) + "' is not a time");
  }
  int64_t magnitude = v < 0 ? -v : v;
  if (magnitude < 100'000'000'000LL) {  // seconds, to year 5138
    if (magnitude > 9'200'000'000LL)
      return invalid_argument("'" + std::string(s) + "' is out of range");
    return v * 1'000'000'000;
  }
  if (magnitude < 100'000'000'000'000LL) {
    if (magnitude > 9'200'000'000'000LL)
      return invalid_argument("'" + std::string(s) + "' is out of range");
    return v * 1'000'000;
  }
  if (magnitude < 100'000'000'000'000'000LL) return v * 1'000;
  return v;
}

Result<Decimal> decimal_cell(std::string_view s, std::string_view column) {
  auto d = market::parse_decimal(s);
  if (!d) return invalid_argument("column '" + std::string(column) + "': " + d.status().message());
  return *d;
}

Result<std::string> read_all(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return not_found("cannot read " + path.filename().string() + ": " + ec.message());
  if (static_cast<int64_t>(size) > kMaxFileBytes) {
    return invalid_argument(path.filename().string() + " is larger than 1 GiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open " + path.filename().string());
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  return text;
}

// Reads and checks every row (of `only_symbol` when set and the file has a symbol column).
Result<Parsed> parse_file(const std::filesystem::path& path, const std::string& only_symbol,
                          const std::string& default_symbol) {
  std::string text;
  TC_ASSIGN_OR_RETURN(text, read_all(path));
  std::string_view rest = text;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);  // a UTF-8 byte order mark
  auto next_line = [&]() {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  char sep = ',';
  Columns c;
  TC_ASSIGN_OR_RETURN(c, read_header(next_line(), sep));
  Parsed out;
  out.bars = c.bars;
  out.symbol_column = c.symbol >= 0;
  if (c.symbol < 0 && default_symbol.empty()) {
    return invalid_argument("'" + path.filename().string() +
                            "' has no symbol column: name its symbol with \"symbols\"");
  }
  std::map<std::pair<std::string, int64_t>, int64_t> same_time;  // for ids made from content
  std::vector<std::string> f;
  int64_t line_no = 1;
  while (!rest.empty()) {
    std::string_view line = next_line();
    ++line_no;
    if (trim(line).empty()) continue;
    auto fail = [&](const Status& why) {
      return invalid_argument("line " + std::to_string(line_no) + ": " + why.message());
    };
    if (!split(line, sep, f)) return fail(invalid_argument("a quote is not closed"));
    if (f.size() != c.count_of_fields) {
      return fail(invalid_argument(std::to_string(f.size()) + " fields, the header has " +
                                   std::to_string(c.count_of_fields)));
    }
    std::string symbol = c.symbol >= 0 ? f[static_cast<size_t>(c.symbol)] : default_symbol;
    if (c.symbol >= 0 && !only_symbol.empty() && symbol != only_symbol) continue;
    if (Status s = market::check_symbol(symbol); !s.is_ok()) return fail(s);
    auto time = parse_time_cell(f[static_cast<size_t>(c.time)]);
    if (!time) return fail(invalid_argument("column 'time': " + time.status().message()));
    if (!c.bars) {
      TradeTick t;
      t.instrument_id = {symbol, "csv"};
      t.ts_event = t.ts_init = *time;
      auto price = decimal_cell(f[static_cast<size_t>(c.price)], "price");
      if (!price) return fail(price.status());
      auto size = decimal_cell(f[static_cast<size_t>(c.size)], "quantity");
      if (!size) return fail(size.status());
      t.price = *price;
      t.size = *size;
      if (c.side >= 0) {
        std::string side = lower(f[static_cast<size_t>(c.side)]);
        if (side == "buy" || side == "b" || side == "buyer") {
          t.aggressor_side = market::AggressorSide::kBuyer;
        } else if (side == "sell" || side == "s" || side == "seller") {
          t.aggressor_side = market::AggressorSide::kSeller;
        } else if (!side.empty() && side != "none") {
          return fail(invalid_argument("column 'side': '" + side + "' is not buy or sell"));
        }
      } else if (c.maker >= 0) {
        std::string maker = lower(f[static_cast<size_t>(c.maker)]);
        if (maker == "true" || maker == "1") {
          t.aggressor_side = market::AggressorSide::kSeller;  // the buyer made: a sell hit it
        } else if (maker == "false" || maker == "0") {
          t.aggressor_side = market::AggressorSide::kBuyer;
        } else {
          return fail(
              invalid_argument("column 'is_buyer_maker': '" + maker + "' is not true or false"));
        }
      }
      if (c.id >= 0) {
        t.trade_id = f[static_cast<size_t>(c.id)];
      } else {
        int64_t n = same_time[{symbol, *time}]++;
        t.trade_id = std::to_string(*time) + "-" + std::to_string(n);
      }
      if (Status s = market::validate(t); !s.is_ok()) return fail(s);
      out.trades.push_back(std::move(t));
    } else {
      Bar b;
      b.instrument_id = {symbol, "csv"};
      b.open_time = *time;
      const std::pair<int, Decimal*> prices[] = {
          {c.open, &b.open}, {c.high, &b.high}, {c.low, &b.low}, {c.close, &b.close}};
      static constexpr std::string_view kNames[] = {"open", "high", "low", "close"};
      for (size_t k = 0; k < 4; ++k) {
        auto d = decimal_cell(f[static_cast<size_t>(prices[k].first)], kNames[k]);
        if (!d) return fail(d.status());
        *prices[k].second = *d;
      }
      if (c.volume >= 0) {
        auto v = decimal_cell(f[static_cast<size_t>(c.volume)], "volume");
        if (!v) return fail(v.status());
        b.volume = *v;
      }
      if (c.count >= 0) {
        std::string_view n = f[static_cast<size_t>(c.count)];
        auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), b.trade_count);
        if (ec != std::errc() || ptr != n.data() + n.size() || b.trade_count < 0) {
          return fail(
              invalid_argument("column 'trade_count': '" + std::string(n) + "' is not a count"));
        }
      }
      if (c.vwap >= 0) {
        auto v = decimal_cell(f[static_cast<size_t>(c.vwap)], "vwap");
        if (!v) return fail(v.status());
        b.vwap = v->to_double();
      } else {  // the typical price stands in for a VWAP the file does not have
        b.vwap = (b.high.to_double() + b.low.to_double() + b.close.to_double()) / 3;
      }
      out.bar_rows.push_back(std::move(b));
    }
  }
  // Files come in any order; the stores and the aggregation want time order.
  std::stable_sort(out.trades.begin(), out.trades.end(),
                   [](const TradeTick& a, const TradeTick& b) { return a.ts_event < b.ts_event; });
  std::stable_sort(out.bar_rows.begin(), out.bar_rows.end(),
                   [](const Bar& a, const Bar& b) { return a.open_time < b.open_time; });
  return out;
}

// The interval of one symbol's bars: the shortest gap between them, which must be one of the
// eleven; with a single bar, `fallback`.
Result<market::Interval> bar_interval(const std::vector<Bar>& bars, market::Interval fallback) {
  int64_t gap = 0;
  for (size_t i = 1; i < bars.size(); ++i) {
    int64_t d = bars[i].open_time - bars[i - 1].open_time;
    if (d <= 0) {
      return invalid_argument("two bars of " + bars[i].instrument_id.symbol + " open at " +
                              format_utc_time(bars[i].open_time));
    }
    if (gap == 0 || d < gap) gap = d;
  }
  if (gap == 0) return fallback;
  for (market::Interval i : market::Interval::all()) {
    if (i.nanos() == gap) return i;
  }
  return invalid_argument("the bars are " + std::to_string(gap / 1'000'000'000) +
                          " s apart, which is not one of " + std::string(market::interval_names()));
}

}  // namespace

Result<std::filesystem::path> CsvSource::resolve(std::string_view file) const {
  namespace fs = std::filesystem;
  if (file.empty()) return invalid_argument("'file' names a file in the import directory");
  fs::path relative(file);
  if (relative.is_absolute()) {
    return invalid_argument("'file' must be relative to the import directory, got '" +
                            std::string(file) + "'");
  }
  for (const auto& part : relative) {
    if (part == "..") return invalid_argument("'file' must not contain '..'");
  }
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(dir_, ec);
  fs::path path = (dir / relative).lexically_normal();
  // No symlink anywhere between the directory and the file.
  fs::path walk = dir;
  for (const auto& part : relative.lexically_normal()) {
    walk /= part;
    if (fs::is_symlink(fs::symlink_status(walk, ec))) {
      return permission_denied("'" + std::string(file) + "' goes through a symlink");
    }
  }
  if (!fs::is_regular_file(fs::status(path, ec))) {
    return not_found("no file '" + std::string(file) + "' in the import directory " +
                     dir_.string());
  }
  fs::path real = fs::canonical(path, ec);
  if (ec || std::mismatch(dir.begin(), dir.end(), real.begin(), real.end()).first != dir.end()) {
    return permission_denied("'" + std::string(file) + "' resolves outside the import directory");
  }
  return real;
}

Status CsvSource::check_fetch(const market::FetchOptions& options, bool bars) {
  std::filesystem::path path;
  TC_ASSIGN_OR_RETURN(path, resolve(options.file));
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  if (header.starts_with("\xEF\xBB\xBF")) header.erase(0, 3);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  char sep = ',';
  Columns c;
  TC_ASSIGN_OR_RETURN(c, read_header(header, sep));
  if (!bars && c.bars) {
    return invalid_argument("'" + options.file +
                            "' holds bars, not trades: crawl it with \"kind\": \"bars\"");
  }
  if (!options.symbols_named && c.symbol < 0) {
    return invalid_argument("'" + options.file +
                            "' has no symbol column: name its symbol with \"symbols\"");
  }
  return Status::ok();
}

Result<std::vector<market::Instrument>> CsvSource::instruments_in(
    const market::FetchOptions& options) {
  std::filesystem::path path;
  TC_ASSIGN_OR_RETURN(path, resolve(options.file));
  Parsed parsed;
  TC_ASSIGN_OR_RETURN(parsed, parse_file(path, "", ""));
  std::map<std::string, market::Instrument> found;
  auto note = [&](const std::string& symbol, Decimal price, Decimal size) {
    auto [it, fresh] = found.try_emplace(symbol);
    market::Instrument& i = it->second;
    if (fresh) {
      i.id = {symbol, "csv"};
      i.name = symbol;
      i.asset_class = market::AssetClass::kEquity;
      i.price_precision = 0;
      i.size_precision = 0;
    }
    i.price_precision = std::max(i.price_precision, price.scale);
    i.size_precision = std::max(i.size_precision, size.scale);
  };
  for (const TradeTick& t : parsed.trades) note(t.instrument_id.symbol, t.price, t.size);
  for (const Bar& b : parsed.bar_rows) {
    note(b.instrument_id.symbol,
         std::max({b.open, b.high, b.low, b.close},
                  [](auto& x, auto& y) { return x.scale < y.scale; }),
         b.volume);
  }
  std::vector<market::Instrument> out;
  for (auto& [symbol, i] : found) out.push_back(std::move(i));
  return out;
}

Status CsvSource::fetch_trades(const std::string& symbol, market::TimeSpan span,
                               const market::FetchOptions& options,
                               const market::TradePageSink& sink) {
  std::filesystem::path path;
  TC_ASSIGN_OR_RETURN(path, resolve(options.file));
  Parsed parsed;
  TC_ASSIGN_OR_RETURN(parsed, parse_file(path, symbol, symbol));
  if (parsed.bars) return invalid_argument("'" + options.file + "' holds bars, not trades");
  std::vector<TradeTick> page;
  for (TradeTick& t : parsed.trades) {
    if (t.instrument_id.symbol != symbol || t.ts_event < span.start || t.ts_event >= span.end) {
      continue;
    }
    page.push_back(std::move(t));
    if (page.size() == kPage) {
      if (!sink(page)) return Status::ok();
      page.clear();
    }
  }
  if (!page.empty()) sink(page);
  return Status::ok();
}

Status CsvSource::fetch_bars(const std::string& symbol, market::Interval interval,
                             market::TimeSpan span, const market::FetchOptions& options,
                             const market::BarPageSink& sink) {
  std::filesystem::path path;
  TC_ASSIGN_OR_RETURN(path, resolve(options.file));
  Parsed parsed;
  TC_ASSIGN_OR_RETURN(parsed, parse_file(path, symbol, symbol));
  std::vector<Bar> page;
  bool stopped = false;
  auto deliver = [&](Bar bar) {
    if (stopped || bar.open_time < span.start || bar.open_time >= span.end) return;
    page.push_back(std::move(bar));
    if (page.size() == kPage) {
      stopped = !sink(page);
      page.clear();
    }
  };
  market::BarAggregator aggregator({symbol, "csv"}, interval);
  if (!parsed.bars) {
    for (const TradeTick& t : parsed.trades) {
      if (t.instrument_id.symbol != symbol) continue;
      if (auto bar = aggregator.add(t)) deliver(std::move(*bar));
    }
  } else {
    std::vector<Bar> mine;
    for (Bar& b : parsed.bar_rows) {
      if (b.instrument_id.symbol == symbol) mine.push_back(std::move(b));
    }
    market::Interval own{60};
    TC_ASSIGN_OR_RETURN(own, bar_interval(mine, interval));
    if (!interval.is_multiple_of(own)) {
      return invalid_argument("the file's bars of " + symbol + " are " + std::string(own.name()) +
                              " bars; " + std::string(interval.name()) +
                              " bars cannot be built from them");
    }
    for (Bar& b : mine) {
      b.interval = own;
      if (Status s = market::validate(b); !s.is_ok()) {
        return invalid_argument("bar of " + symbol + " at " + format_utc_time(b.open_time) + ": " +
                                s.message());
      }
      if (own == interval) {
        deliver(std::move(b));
      } else if (auto bar = aggregator.add(b)) {
        deliver(std::move(*bar));
      }
    }
  }
  if (auto bar = aggregator.flush()) deliver(std::move(*bar));
  if (!stopped && !page.empty()) sink(page);
  return Status::ok();
}

}  // namespace tc::sources
