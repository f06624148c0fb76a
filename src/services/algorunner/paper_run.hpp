// Paper runs: an algorithm trading a source's live trades as they arrive, with the engine a
// backtest uses (Engine::run_trades), until it is stopped.
//
// The trades come from the bus, where the tickscrawler's streams publish them
// (`tc.v1.data.trades.<source>.<symbol>`); a paper run whose symbols no stream carries starts
// one for them first. Nothing stored is replayed: the run sees only trades that happen after it
// starts. Its result — metrics, equity curve, trades — is stored every second while it runs, so
// GET /api/algorunner/runs/{id} shows its equity; a stop ends it with all it did.
#pragma once

#include <string>

#include "serve/job_runner.hpp"
#include "services/algorunner/run.hpp"
#include "services/common/service_context.hpp"

namespace tc::services {

// Checks what a paper run needs: a source with a live feed that lists every symbol, and no CSV
// file or sweep. not_found, invalid_argument or failed_precondition naming the problem.
Status check_paper_run(const RunRequest& run, const ServiceContext& ctx);

// Starts a stream of the run's source for the symbols no active stream carries; returns its job
// id, or "" when every symbol is carried already. The stream limit's refusal as it is.
Result<std::string> ensure_stream(const ServiceContext& ctx, const RunRequest& run,
                                  const serve::JobOwner& owner);

// The paper run's work: runs until stopped.
serve::JobWork paper_work(const ServiceContext& ctx, RunRequest run);

// Paper runs have no time limit of their own; they end when stopped.
inline constexpr Duration kPaperRunTimeLimit = std::chrono::hours(24 * 365 * 100);

}  // namespace tc::services
