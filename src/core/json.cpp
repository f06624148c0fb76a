#include "core/json.hpp"

#include <algorithm>
#include <boost/json/stream_parser.hpp>
#include <cmath>

#include "core/json_writer.hpp"

namespace tc {

Result<json::value> parse_json(std::string_view text) {
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) {
    // Only whitespace may follow a complete value; write_some stops at the value's end.
    size_t rest = text.find_first_not_of(" \t\r\n", consumed);
    if (rest != std::string_view::npos) {
      consumed = rest;
      ec = json::error::extra_data;
    }
  }
  if (!ec) parser.finish(ec);
  if (ec) {
    if (ec == json::error::incomplete) consumed = text.size();
    size_t line = 1, column = 1;
    for (size_t i = 0; i < consumed && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return invalid_argument("malformed JSON at line " + std::to_string(line) + ", column " +
                            std::to_string(column) + " (offset " + std::to_string(consumed) +
                            "): " + ec.message());
  }
  return parser.release();
}

std::string to_json(const json::value& v) {
  std::string out;
  JsonWriter(out).value(v);
  return out;
}

ObjectReader::ObjectReader(const json::object& object, std::string where)
    : object_(object), where_(std::move(where)) {}

void ObjectReader::fail(std::string message) {
  if (error_.is_ok()) error_ = invalid_argument(std::move(message));
}

const json::value* ObjectReader::find(std::string_view name, bool required) {
  known_.emplace_back(name);
  const json::value* v = object_.if_contains(name);
  if (v == nullptr && required) fail(where_ + ": field '" + std::string(name) + "' is required");
  return v;
}

std::optional<std::string> ObjectReader::required_string(std::string_view name, size_t max_length) {
  if (!object_.contains(name)) {
    (void)find(name, true);  // records the error
    return std::nullopt;
  }
  return optional_string(name, max_length);
}

std::optional<std::string> ObjectReader::optional_string(std::string_view name, size_t max_length) {
  const json::value* v = find(name, false);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    fail(where_ + ": field '" + std::string(name) + "' must be a string");
    return std::nullopt;
  }
  const json::string& s = v->get_string();
  if (s.empty() || s.size() > max_length) {
    fail(where_ + ": field '" + std::string(name) + "' must have 1 to " +
         std::to_string(max_length) + " characters");
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<int64_t> ObjectReader::optional_int(std::string_view name, int64_t min, int64_t max) {
  const json::value* v = find(name, false);
  if (v == nullptr || v->is_null()) return std::nullopt;
  std::optional<int64_t> out;
  if (v->is_int64()) out = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    out = static_cast<int64_t>(v->get_uint64());
  }
  if (!out || *out < min || *out > max) {
    fail(where_ + ": field '" + std::string(name) + "' must be an integer from " +
         std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return out;
}

std::optional<double> ObjectReader::optional_number(std::string_view name, double min, double max) {
  const json::value* v = find(name, false);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_number()) {
    fail(where_ + ": field '" + std::string(name) + "' must be a number");
    return std::nullopt;
  }
  double d = v->to_number<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    fail(where_ + ": field '" + std::string(name) + "' is out of range");
    return std::nullopt;
  }
  return d;
}

std::optional<bool> ObjectReader::optional_bool(std::string_view name) {
  const json::value* v = find(name, false);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_bool()) {
    fail(where_ + ": field '" + std::string(name) + "' must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::vector<std::string>> ObjectReader::optional_string_array(std::string_view name,
                                                                            size_t max_items,
                                                                            size_t max_length) {
  const json::value* v = find(name, false);
  if (v == nullptr || v->is_null()) return std::nullopt;
  std::string field = where_ + ": field '" + std::string(name) + "'";
  if (!v->is_array()) {
    fail(field + " must be an array of strings");
    return std::nullopt;
  }
  const json::array& a = v->get_array();
  if (a.size() > max_items) {
    fail(field + " has more than " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const json::value& item : a) {
    if (!item.is_string() || item.get_string().empty() || item.get_string().size() > max_length) {
      fail(field + " must hold strings of 1 to " + std::to_string(max_length) + " characters");
      return std::nullopt;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

const json::object* ObjectReader::optional_object(std::string_view name) {
  const json::value* v = find(name, false);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_object()) {
    fail(where_ + ": field '" + std::string(name) + "' must be an object");
    return nullptr;
  }
  return &v->get_object();
}

Status ObjectReader::finish() {
  if (!error_.is_ok()) return error_;
  for (const auto& kv : object_) {
    if (std::find(known_.begin(), known_.end(), kv.key()) == known_.end()) {
      return invalid_argument(where_ + ": unknown field '" + std::string(kv.key()) + "'");
    }
  }
  return Status::ok();
}

}  // namespace tc
