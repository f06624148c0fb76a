#include "services/algorunner/algorunner_options.hpp"

namespace tc::services {

Result<AlgorunnerOptions> AlgorunnerOptions::load(const ConfigSource& source) {
  AlgorunnerOptions o;
  TC_ASSIGN_OR_RETURN(o.max_execution_time,
                      source.get_seconds("ALGORUNNER_MAX_EXECUTION_TIME", std::chrono::seconds(300),
                                         std::chrono::seconds(1), std::chrono::hours(24 * 7)));
  TC_ASSIGN_OR_RETURN(o.max_concurrent, source.get_int("ALGORUNNER_MAX_CONCURRENT", 10, 1, 10000));
  return o;
}

}  // namespace tc::services
