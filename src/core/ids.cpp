#include "core/ids.hpp"

#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <random>

namespace tc {
namespace {

uint64_t random_u64() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine();
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

std::string new_uuid() {
  std::array<uint8_t, 16> bytes{};
  uint64_t hi = random_u64(), lo = random_u64();
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(hi >> (8 * i));
    bytes[8 + i] = static_cast<uint8_t>(lo >> (8 * i));
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0f]);
  }
  return out;
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::string random_hex(int hex_chars) {
  uint64_t v = random_u64();
  std::string out;
  for (int i = 0; i < hex_chars && i < 16; ++i) out.push_back(kHex[(v >> (4 * i)) & 0xf]);
  return out;
}

std::string next_request_id() {
  static const std::string prefix = random_hex(8) + "-";
  static std::atomic<uint64_t> counter{0};
  char buf[40];
  std::memcpy(buf, prefix.data(), prefix.size());
  auto [end, ec] = std::to_chars(buf + prefix.size(), buf + sizeof buf,
                                 counter.fetch_add(1, std::memory_order_relaxed) + 1, 16);
  return std::string(buf, end);
}

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace tc
