// ResourceSet: logical resources, as Ray accounts them — CPU in thousandths (a replica's 0.2 CPU
// is 200) and memory in bytes. They drive placement; nothing enforces them at run time.
#pragma once

#include <cstdint>
#include <string>

namespace tc::cluster {

struct ResourceSet {
  int64_t milli_cpu = 0;
  int64_t memory_bytes = 0;

  static ResourceSet from_cpu(double cpu, int64_t memory_bytes) {
    return {static_cast<int64_t>(cpu * 1000 + 0.5), memory_bytes};
  }
  double cpu() const { return static_cast<double>(milli_cpu) / 1000.0; }
  bool fits_in(const ResourceSet& available) const {
    return milli_cpu <= available.milli_cpu && memory_bytes <= available.memory_bytes;
  }
  ResourceSet& operator+=(const ResourceSet& o) {
    milli_cpu += o.milli_cpu;
    memory_bytes += o.memory_bytes;
    return *this;
  }
  ResourceSet& operator-=(const ResourceSet& o) {
    milli_cpu -= o.milli_cpu;
    memory_bytes -= o.memory_bytes;
    return *this;
  }
  bool operator==(const ResourceSet&) const = default;
};

}  // namespace tc::cluster
