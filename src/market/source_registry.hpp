// SourceRegistry: the market-data sources this node can fetch from, by name ("simulator",
// "binance", ...). The node fills it at start; services look sources up by the name a request
// gives. Read-only after start, so safe to share.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "market/source.hpp"

namespace tc::market {

class SourceRegistry {
 public:
  void add(std::unique_ptr<Source> source) {
    std::string name(source->name());
    sources_[name] = std::move(source);
  }
  // nullptr when no source of that name is built into this node.
  Source* find(std::string_view name) const {
    auto it = sources_.find(name);
    return it == sources_.end() ? nullptr : it->second.get();
  }

 private:
  std::map<std::string, std::unique_ptr<Source>, std::less<>> sources_;
};

}  // namespace tc::market
