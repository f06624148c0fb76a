// JsonWriter: writes JSON straight into a string, for responses built on hot paths (status,
// health) and for serializing Boost.JSON values with numbers as people write them ("0.2", "60",
// not "2E-1", "6E1").
//
//   JsonWriter w(out);
//   w.begin_object().field("name", "screener").field("replicas", 2);
//   w.key("limits").begin_object().field("max_results", 1000).end_object();
//   w.end_object();
//
// Commas are placed for you; a non-finite double is written as null.
// Not thread-safe: one writer per string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace tc {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(double v);
  JsonWriter& value(const json::value& v);
  JsonWriter& null();
  // The string, or null when there is none.
  JsonWriter& value(const std::optional<std::string>& s) { return s ? value(*s) : null(); }
  // Inserts text that is already JSON.
  JsonWriter& raw(std::string_view json);

  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }

 private:
  void before_value();

  std::string& out_;
  std::vector<char> has_items_;  // one per open container: 1 once it has an item
  bool after_key_ = false;
};

// Appends `s` as a quoted JSON string with the necessary escapes.
void append_json_string(std::string& out, std::string_view s);

}  // namespace tc
