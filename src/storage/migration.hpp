// Migration: one numbered, named step of a store's schema. Each backend lists its own steps
// (SQL dialects differ); versions start at 1 and grow by one.
#pragma once

#include <string_view>

namespace tc::storage {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

}  // namespace tc::storage
