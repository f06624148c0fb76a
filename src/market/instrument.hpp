// Instrument: a tradable thing as a data source lists it. InstrumentId is "SYMBOL.SOURCE"
// (BTCUSDT.binance), as the trading engines spell it.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace tc::market {

struct InstrumentId {
  std::string symbol;  // BTCUSDT, AAPL
  std::string source;  // binance, simulator

  std::string to_string() const { return symbol + "." + source; }
  bool operator==(const InstrumentId&) const = default;
};

// Parses "SYMBOL.SOURCE"; invalid_argument names what is wrong.
Result<InstrumentId> parse_instrument_id(std::string_view text);
// A symbol is 1-32 characters of [A-Z0-9_-/]; lowercase letters are refused, not changed.
bool is_valid_symbol(std::string_view symbol);

enum class AssetClass { kCrypto, kEquity, kFx, kFuture };

struct Instrument {
  InstrumentId id;
  AssetClass asset_class = AssetClass::kCrypto;
  std::string sector;
  std::string currency;  // quote currency
  double tick_size = 0.01;
};

}  // namespace tc::market
