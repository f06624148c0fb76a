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

Result<InstrumentId> parse_instrument_id(std::string_view text) {
  size_t dot = text.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) {
    return invalid_argument("instrument id must be SYMBOL.SOURCE, got '" + std::string(text) + "'");
  }
  std::string_view symbol = text.substr(0, dot);
  if (!is_valid_symbol(symbol)) {
    return invalid_argument("invalid symbol '" + std::string(symbol) +
                            "': 1-32 characters of A-Z, 0-9, _, - or /");
  }
  return InstrumentId{std::string(symbol), std::string(text.substr(dot + 1))};
}

}  // namespace tc::market
