#include "storage/sqlite/sqlite_job_store.hpp"

namespace tc::storage {
namespace {

constexpr std::string_view kJobColumns =
    "id, kind, service, params, state, progress, owner_replica, owner_node, created_at, "
    "started_at, finished_at, result, error";

JobRecord read_job(const Statement& s) {
  JobRecord j;
  j.id = s.column_text(0);
  j.kind = s.column_text(1);
  j.service = s.column_text(2);
  j.params = s.column_text(3);
  j.state = parse_job_state(s.column_text(4)).value_or(JobState::kFailed);
  j.progress = s.column_double(5);
  j.owner_replica = s.column_text(6);
  j.owner_node = s.column_text(7);
  j.created_at = s.column_int(8);
  j.started_at = s.column_int(9);
  j.finished_at = s.column_int(10);
  j.result = s.column_text(11);
  j.error = s.column_text(12);
  return j;
}

}  // namespace

Result<int> SqliteJobStore::count_active_locked(const std::string& kind) {
  auto s = conn_.db->prepare(
      "SELECT COUNT(*) FROM shared_jobs WHERE kind = ? AND state IN "
      "('pending','running','stopping')");
  if (!s) return s.status();
  s->bind(1, kind);
  auto row = s->step();
  if (!row) return row.status();
  return static_cast<int>(s->column_int(0));
}

Status SqliteJobStore::create(const JobRecord& job, int max_active) {
  std::lock_guard lock(conn_.mu);
  return in_transaction(*conn_.db, [&]() -> Status {
    auto active = count_active_locked(job.kind);
    if (!active) return active.status();
    if (*active >= max_active) {
      return resource_exhausted("limit reached: " + std::to_string(*active) + " " + job.kind +
                                " jobs are active (at most " + std::to_string(max_active) + ")");
    }
    auto s = conn_.db->prepare(
        "INSERT INTO shared_jobs (id, kind, service, params, state, progress, owner_replica, "
        "owner_node, created_at, started_at, finished_at, result, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return s.status();
    s->bind(1, job.id)
        .bind(2, job.kind)
        .bind(3, job.service)
        .bind(4, job.params.empty() ? std::string_view("{}") : std::string_view(job.params))
        .bind(5, job_state_name(job.state))
        .bind(6, job.progress)
        .bind(7, job.owner_replica)
        .bind(8, job.owner_node)
        .bind(9, job.created_at)
        .bind(10, job.started_at)
        .bind(11, job.finished_at)
        .bind(12, job.result)
        .bind(13, job.error);
    Status run = s->run();
    if (run.code() == StatusCode::kAlreadyExists) {
      return already_exists("a job with id " + job.id + " already exists");
    }
    return run;
  });
}

Result<JobRecord> SqliteJobStore::get(const std::string& id) {
  std::lock_guard lock(conn_.mu);
  return get_locked(id);
}

Result<JobRecord> SqliteJobStore::get_locked(const std::string& id) {
  auto s =
      conn_.db->prepare("SELECT " + std::string(kJobColumns) + " FROM shared_jobs WHERE id = ?");
  if (!s) return s.status();
  s->bind(1, id);
  auto row = s->step();
  if (!row) return row.status();
  if (!*row) return not_found("no job with id " + id);
  return read_job(*s);
}

Result<std::vector<JobRecord>> SqliteJobStore::list(const JobQuery& query) {
  std::string sql = "SELECT " + std::string(kJobColumns) + " FROM shared_jobs WHERE 1=1";
  if (query.kind) sql += " AND kind = ?";
  if (query.service) sql += " AND service = ?";
  if (query.state) sql += " AND state = ?";
  sql += " ORDER BY created_at DESC, id LIMIT ?";
  std::lock_guard lock(conn_.mu);
  auto s = conn_.db->prepare(sql);
  if (!s) return s.status();
  int i = 1;
  if (query.kind) s->bind(i++, *query.kind);
  if (query.service) s->bind(i++, *query.service);
  if (query.state) s->bind(i++, job_state_name(*query.state));
  s->bind(i, static_cast<int64_t>(query.limit));
  return read_all(*s, read_job);
}

Result<JobRecord> SqliteJobStore::transition(const std::string& id, const JobTransition& change) {
  if (change.from.empty()) return invalid_argument("a job transition needs its from states");
  std::string states;
  for (size_t k = 0; k < change.from.size(); ++k) states += k == 0 ? "?" : ", ?";
  std::lock_guard lock(conn_.mu);
  std::optional<JobRecord> after;
  Status s = in_transaction(*conn_.db, [&]() -> Status {
    auto update = conn_.db->prepare(
        "UPDATE shared_jobs SET state = COALESCE(?, state), progress = COALESCE(?, progress), "
        "started_at = COALESCE(?, started_at), finished_at = COALESCE(?, finished_at), "
        "result = COALESCE(?, result), error = COALESCE(?, error), "
        "owner_replica = COALESCE(?, owner_replica), owner_node = COALESCE(?, owner_node) "
        "WHERE id = ? AND (? IS NULL OR owner_node = ?) AND state IN (" +
        states + ")");
    if (!update) return update.status();
    int i = 1;
    if (change.to) {
      update->bind(i++, job_state_name(*change.to));
    } else {
      update->bind_null(i++);
    }
    auto bind_optional = [&](const auto& value) {
      if (value) {
        update->bind(i++, *value);
      } else {
        update->bind_null(i++);
      }
    };
    bind_optional(change.progress);
    bind_optional(change.started_at);
    bind_optional(change.finished_at);
    bind_optional(change.result);
    bind_optional(change.error);
    bind_optional(change.owner_replica);
    bind_optional(change.owner_node);
    update->bind(i++, id);
    bind_optional(change.owner_node_was);
    bind_optional(change.owner_node_was);
    for (JobState from : change.from) update->bind(i++, job_state_name(from));
    TC_RETURN_IF_ERROR(update->run());
    bool applied = conn_.db->changes() > 0;
    auto stored = get_locked(id);
    if (!stored) return stored.status();
    JobRecord job = std::move(stored).value();
    if (!applied) {
      if (change.owner_node_was && job.owner_node != *change.owner_node_was) {
        return failed_precondition("job " + id + " is owned by node " + job.owner_node);
      }
      return failed_precondition("job " + id + " is " + std::string(job_state_name(job.state)) +
                                 (is_terminal(job.state) ? ": it has already ended" : ""));
    }
    after = std::move(job);
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  return std::move(*after);
}

Result<int> SqliteJobStore::count_active(const std::string& kind) {
  std::lock_guard lock(conn_.mu);
  return count_active_locked(kind);
}

}  // namespace tc::storage
