// JSON helpers over Boost.JSON: parsing with the error's position, and a reader that checks a
// request object's fields (types, required, unknown names) and reports the first problem.
// Thread-safety: plain functions and a reader used by one thread.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace tc {

namespace json = boost::json;

// Parses `text` as one JSON value. On failure: invalid_argument whose message names the line,
// column and byte offset of the error ("malformed JSON at line 1, column 9 (offset 8): ...").
Result<json::value> parse_json(std::string_view text);

// Serializes compactly, numbers in their shortest round-trip form ("0.2", "60").
std::string to_json(const json::value& v);

// Reads fields of a JSON object for a request body, remembering the first error.
//
//   ObjectReader r(body, "body");
//   auto name = r.required_string("name");
//   auto limit = r.optional_int("limit", 1, 1000);
//   TC_RETURN_IF_ERROR(r.finish());  // also refuses fields that were never read
class ObjectReader {
 public:
  // `where` names the object in messages ("body", "query").
  ObjectReader(const json::object& object, std::string where);

  std::optional<std::string> required_string(std::string_view name, size_t max_length = 256);
  std::optional<std::string> optional_string(std::string_view name, size_t max_length = 256);
  std::optional<int64_t> optional_int(std::string_view name, int64_t min, int64_t max);
  std::optional<double> optional_number(std::string_view name, double min, double max);
  std::optional<bool> optional_bool(std::string_view name);
  // An array of strings; `max_items` bounds its length.
  std::optional<std::vector<std::string>> optional_string_array(std::string_view name,
                                                                size_t max_items,
                                                                size_t max_length = 64);
  const json::object* optional_object(std::string_view name);

  // ok, or the first error met; refuses a field that no getter asked about.
  Status finish();

 private:
  const json::value* find(std::string_view name, bool required);
  void fail(std::string message);

  const json::object& object_;
  std::string where_;
  std::vector<std::string> known_;
  Status error_;
};

}  // namespace tc
