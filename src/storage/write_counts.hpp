// WriteCounts: what an idempotent batch write did.
#pragma once

#include <cstdint>

namespace tc::storage {

struct WriteCounts {
  int64_t written = 0;     // new rows stored
  int64_t duplicates = 0;  // rows already stored, skipped

  WriteCounts& operator+=(const WriteCounts& o) {
    written += o.written;
    duplicates += o.duplicates;
    return *this;
  }
};

}  // namespace tc::storage
