#include "core/ids.hpp"
#include "storage/postgres/postgres_store.hpp"

namespace tc::storage {
namespace {

constexpr std::string_view kJobColumns =
    "id::text, kind, service, params::text, state, progress, owner_replica, owner_node, "
    "created_at, started_at, finished_at, result, error";

JobRecord read_job(const PgRows& rows, int r) {
  JobRecord j;
  j.id = rows.text(r, 0);
  j.kind = rows.text(r, 1);
  j.service = rows.text(r, 2);
  j.params = rows.text(r, 3);
  j.state = parse_job_state(rows.text(r, 4)).value_or(JobState::kFailed);
  j.progress = rows.real(r, 5);
  j.owner_replica = rows.text(r, 6);
  j.owner_node = rows.text(r, 7);
  j.created_at = rows.int64(r, 8);
  j.started_at = rows.int64(r, 9);
  j.finished_at = rows.int64(r, 10);
  j.result = rows.text(r, 11);
  j.error = rows.text(r, 12);
  return j;
}

std::vector<JobRecord> read_jobs(const PgRows& rows) {
  std::vector<JobRecord> out;
  out.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) out.push_back(read_job(rows, r));
  return out;
}

const std::string kCountActive =
    "SELECT COUNT(*) FROM shared.jobs WHERE kind = $1 AND state IN "
    "('pending','running','stopping')";

}  // namespace

Status PgJobStore::create(const JobRecord& job, int max_active) {
  if (!is_uuid(job.id)) return invalid_argument("a job id is a UUID, got '" + job.id + "'");
  return pool_.run([&](PgConnection& c) {
    return in_transaction(c, [&]() -> Status {
      // Jobs of one kind are created one at a time, so the count and the insert agree.
      auto locked = c.query("SELECT pg_advisory_xact_lock(hashtext('tc.jobs.' || $1::text))",
                            PgParams().add(job.kind));
      if (!locked) return locked.status();
      auto active = c.query(kCountActive, PgParams().add(job.kind));
      if (!active) return active.status();
      int64_t n = active->int64(0, 0);
      if (n >= max_active) {
        return resource_exhausted("limit reached: " + std::to_string(n) + " " + job.kind +
                                  " jobs are active (at most " + std::to_string(max_active) + ")");
      }
      auto inserted = c.query(
          "INSERT INTO shared.jobs (id, kind, service, params, state, progress, owner_replica, "
          "owner_node, created_at, started_at, finished_at, result, error) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
          PgParams()
              .add(job.id)
              .add(job.kind)
              .add(job.service)
              .add(job.params.empty() ? std::string_view("{}") : std::string_view(job.params))
              .add(job_state_name(job.state))
              .add(job.progress)
              .add(job.owner_replica)
              .add(job.owner_node)
              .add(job.created_at)
              .add(job.started_at)
              .add(job.finished_at)
              .add(job.result)
              .add(job.error));
      if (inserted.status().code() == StatusCode::kAlreadyExists) {
        return already_exists("a job with id " + job.id + " already exists");
      }
      return inserted.status();
    });
  });
}

Result<JobRecord> PgJobStore::get(const std::string& id) {
  if (!is_uuid(id)) return not_found("no job with id " + id);
  return pool_.run([&](PgConnection& c) -> Result<JobRecord> {
    auto rows = c.query("SELECT " + std::string(kJobColumns) + " FROM shared.jobs WHERE id = $1",
                        PgParams().add(id));
    if (!rows) return rows.status();
    if (rows->empty()) return not_found("no job with id " + id);
    return read_job(*rows, 0);
  });
}

Result<std::vector<JobRecord>> PgJobStore::list(const JobQuery& query) {
  std::string sql = "SELECT " + std::string(kJobColumns) + " FROM shared.jobs WHERE true";
  PgParams params;
  auto where = [&](std::string_view column, std::string_view value) {
    params.add(value);
    sql += " AND " + std::string(column) + " = $" + std::to_string(params.size());
  };
  if (query.kind) where("kind", *query.kind);
  if (query.service) where("service", *query.service);
  if (query.state) where("state", job_state_name(*query.state));
  params.add(static_cast<int64_t>(query.limit));
  sql += " ORDER BY created_at DESC, id LIMIT $" + std::to_string(params.size());
  return pool_.run([&](PgConnection& c) -> Result<std::vector<JobRecord>> {
    auto rows = c.query(sql, params);
    if (!rows) return rows.status();
    return read_jobs(*rows);
  });
}

Result<JobRecord> PgJobStore::transition(const std::string& id, const JobTransition& change) {
  if (change.from.empty()) return invalid_argument("a job transition needs its from states");
  if (!is_uuid(id)) return not_found("no job with id " + id);
  std::string from = "{";
  for (JobState s : change.from) {
    if (from.size() > 1) from += ',';
    from += job_state_name(s);
  }
  from += '}';
  PgParams params;
  params.add(change.to ? std::optional<std::string_view>(job_state_name(*change.to)) : std::nullopt)
      .add(change.progress)
      .add(change.started_at)
      .add(change.finished_at)
      .add(change.result)
      .add(change.error)
      .add(id)
      .add(from)
      .add(change.owner_replica)
      .add(change.owner_node)
      .add(change.owner_node_was);
  return pool_.run([&](PgConnection& c) -> Result<JobRecord> {
    // One conditional statement: racing transitions of one job are applied one after the other.
    auto updated = c.query(
        "UPDATE shared.jobs SET state = COALESCE($1, state), progress = COALESCE($2, progress), "
        "started_at = COALESCE($3, started_at), finished_at = COALESCE($4, finished_at), "
        "result = COALESCE($5, result), error = COALESCE($6, error), "
        "owner_replica = COALESCE($9, owner_replica), owner_node = COALESCE($10, owner_node) "
        "WHERE id = $7 AND state = ANY($8::text[]) AND ($11::text IS NULL OR owner_node = $11) "
        "RETURNING " +
            std::string(kJobColumns),
        params);
    if (!updated) return updated.status();
    if (!updated->empty()) return read_job(*updated, 0);
    auto stored =
        c.query("SELECT state, owner_node FROM shared.jobs WHERE id = $1", PgParams().add(id));
    if (!stored) return stored.status();
    if (stored->empty()) return not_found("no job with id " + id);
    if (change.owner_node_was && stored->text(0, 1) != *change.owner_node_was) {
      return failed_precondition("job " + id + " is owned by node " +
                                 std::string(stored->text(0, 1)));
    }
    auto state = parse_job_state(stored->text(0, 0)).value_or(JobState::kFailed);
    return failed_precondition("job " + id + " is " + std::string(job_state_name(state)) +
                               (is_terminal(state) ? ": it has already ended" : ""));
  });
}

Result<int> PgJobStore::count_active(const std::string& kind) {
  return pool_.run([&](PgConnection& c) -> Result<int> {
    auto rows = c.query(kCountActive, PgParams().add(kind));
    if (!rows) return rows.status();
    return static_cast<int>(rows->int64(0, 0));
  });
}

}  // namespace tc::storage
