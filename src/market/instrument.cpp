#include "market/instrument.hpp"

#include <cctype>

namespace tc::market {

bool is_valid_symbol(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > 32) return false;
  for (char c : symbol) {
    bool ok = std::isupper(static_cast<unsigned char>(c)) ||
              std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

Status check_symbol(std::string_view symbol) {
  if (is_valid_symbol(symbol)) return Status::ok();
  return invalid_argument("invalid symbol '" + std::string(symbol.substr(0, 40)) +
                          "': 1-32 characters of A-Z, 0-9, _, - or /");
}

Result<InstrumentId> parse_instrument_id(std::string_view text) {
  size_t dot = text.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) {
    return invalid_argument("instrument id must be SYMBOL.SOURCE, got '" + std::string(text) + "'");
  }
  TC_RETURN_IF_ERROR(check_symbol(text.substr(0, dot)));
  return InstrumentId{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
}

std::string_view asset_class_name(AssetClass c) {
  switch (c) {
    case AssetClass::kCrypto:
      return "crypto";
    case AssetClass::kEquity:
      return "equity";
    case AssetClass::kFx:
      return "fx";
    case AssetClass::kFuture:
      return "future";
  }
  return "crypto";
}

std::optional<AssetClass> parse_asset_class(std::string_view name) {
  for (AssetClass c :
       {AssetClass::kCrypto, AssetClass::kEquity, AssetClass::kFx, AssetClass::kFuture}) {
    if (asset_class_name(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace tc::market
