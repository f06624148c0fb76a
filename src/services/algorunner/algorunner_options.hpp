// AlgorunnerOptions: the algorunner's service limits, from the seed's environment variables.
#pragma once

#include "core/config_source.hpp"

namespace tc::services {

struct AlgorunnerOptions {
  Duration max_execution_time = std::chrono::seconds(300);  // ALGORUNNER_MAX_EXECUTION_TIME
  int max_concurrent = 10;                                  // ALGORUNNER_MAX_CONCURRENT

  static Result<AlgorunnerOptions> load(const ConfigSource& source);
};

}  // namespace tc::services
