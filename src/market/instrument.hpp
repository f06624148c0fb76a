// Instrument: a tradable thing as a data source lists it. InstrumentId is "SYMBOL.SOURCE"
// (BTCUSDT.binance), as the trading engines spell it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace tc::market {

struct InstrumentId {
  std::string symbol;  // BTCUSDT, AAPL
  std::string source;  // binance, simulator

  std::string to_string() const { return symbol + "." + source; }
  bool operator==(const InstrumentId&) const = default;
  auto operator<=>(const InstrumentId&) const = default;
};

// Parses "SYMBOL.SOURCE"; invalid_argument names what is wrong.
Result<InstrumentId> parse_instrument_id(std::string_view text);
// A symbol is 1-32 characters of [A-Z0-9_-/]; lowercase letters are refused, not changed.
bool is_valid_symbol(std::string_view symbol);
// invalid_argument with the rule when `symbol` is not valid.
Status check_symbol(std::string_view symbol);

enum class AssetClass { kCrypto, kEquity, kFx, kFuture };
std::string_view asset_class_name(AssetClass c);  // "crypto", "equity", "fx", "future"
std::optional<AssetClass> parse_asset_class(std::string_view name);

struct Instrument {
  InstrumentId id;
  std::string name;  // "Boka Systems", "Boka / Tether"
  AssetClass asset_class = AssetClass::kCrypto;
  std::string sector;
  std::string currency;     // quote currency
  int price_precision = 2;  // decimal places of a price: the tick size is 10^-price_precision
  int size_precision = 0;   // decimal places of a size

  bool operator==(const Instrument&) const = default;
};

}  // namespace tc::market
