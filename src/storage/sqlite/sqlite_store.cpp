#include "storage/sqlite/sqlite_store.hpp"

#include "storage/sqlite/sqlite_database.hpp"
#include "storage/sqlite/sqlite_migrations.hpp"

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

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
  auto db = SqliteDatabase::open(path);
  if (!db) return db.status();
  auto version = migrate(**db, sqlite_migrations());
  if (!version) return version.status();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db).value(), *version));
}

SqliteStore::SqliteStore(std::unique_ptr<SqliteDatabase> db, int version)
    : db_(std::move(db)), schema_version_(version) {}

SqliteStore::~SqliteStore() = default;

Result<int> SqliteStore::count_active_locked(const std::string& kind) {
  auto s = db_->prepare(
      "SELECT COUNT(*) FROM shared_jobs WHERE kind = ? AND state IN ('pending','running')");
  if (!s) return s.status();
  s->bind(1, kind);
  auto row = s->step();
  if (!row) return row.status();
  return static_cast<int>(s->column_int(0));
}

Status SqliteStore::create(const JobRecord& job, int max_active) {
  std::lock_guard lock(mu_);
  return in_transaction(*db_, [&]() -> Status {
    auto active = count_active_locked(job.kind);
    if (!active) return active.status();
    if (*active >= max_active) {
      return resource_exhausted("limit reached: " + std::to_string(*active) + " " + job.kind +
                                " jobs are active (at most " + std::to_string(max_active) + ")");
    }
    auto s = db_->prepare(
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

Result<JobRecord> SqliteStore::get(const std::string& id) {
  std::lock_guard lock(mu_);
  return get_locked(id);
}

Result<JobRecord> SqliteStore::get_locked(const std::string& id) {
  auto s = db_->prepare("SELECT " + std::string(kJobColumns) + " FROM shared_jobs WHERE id = ?");
  if (!s) return s.status();
  s->bind(1, id);
  auto row = s->step();
  if (!row) return row.status();
  if (!*row) return not_found("no job with id " + id);
  return read_job(*s);
}

Result<std::vector<JobRecord>> SqliteStore::list(const JobQuery& query) {
  std::string sql = "SELECT " + std::string(kJobColumns) + " FROM shared_jobs WHERE 1=1";
  if (query.kind) sql += " AND kind = ?";
  if (query.service) sql += " AND service = ?";
  if (query.state) sql += " AND state = ?";
  sql += " ORDER BY created_at DESC, id LIMIT ?";
  std::lock_guard lock(mu_);
  auto s = db_->prepare(sql);
  if (!s) return s.status();
  int i = 1;
  if (query.kind) s->bind(i++, *query.kind);
  if (query.service) s->bind(i++, *query.service);
  if (query.state) s->bind(i++, job_state_name(*query.state));
  s->bind(i, static_cast<int64_t>(query.limit));
  return read_all(*s, read_job);
}

Result<JobRecord> SqliteStore::transition(const std::string& id, const JobTransition& change) {
  if (change.from.empty()) return invalid_argument("a job transition needs its from states");
  std::string states;
  for (size_t k = 0; k < change.from.size(); ++k) states += k == 0 ? "?" : ", ?";
  std::lock_guard lock(mu_);
  std::optional<JobRecord> after;
  Status s = in_transaction(*db_, [&]() -> Status {
    auto update = db_->prepare(
        "UPDATE shared_jobs SET state = COALESCE(?, state), progress = COALESCE(?, progress), "
        "started_at = COALESCE(?, started_at), finished_at = COALESCE(?, finished_at), "
        "result = COALESCE(?, result), error = COALESCE(?, error) WHERE id = ? AND state IN (" +
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
    update->bind(i++, id);
    for (JobState from : change.from) update->bind(i++, job_state_name(from));
    TC_RETURN_IF_ERROR(update->run());
    bool applied = db_->changes() > 0;
    auto stored = get_locked(id);
    if (!stored) return stored.status();
    JobRecord job = std::move(stored).value();
    if (!applied) {
      return failed_precondition("job " + id + " is " + std::string(job_state_name(job.state)) +
                                 (is_terminal(job.state) ? ": it has already ended" : ""));
    }
    after = std::move(job);
    return Status::ok();
  });
  if (!s.is_ok()) return s;
  return std::move(*after);
}

Result<int> SqliteStore::count_active(const std::string& kind) {
  std::lock_guard lock(mu_);
  return count_active_locked(kind);
}

Result<std::vector<AlgorithmRecord>> SqliteStore::algorithms() {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT name, description, parameters, enabled FROM algorunner_algorithms ORDER BY name");
  if (!s) return s.status();
  return read_all(*s, [](const Statement& row) {
    return AlgorithmRecord{row.column_text(0), row.column_text(1), row.column_text(2),
                           row.column_int(3) != 0};
  });
}

Result<std::vector<FilterRecord>> SqliteStore::filters() {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT name, expression, description, builtin FROM screener_filters ORDER BY name");
  if (!s) return s.status();
  return read_all(*s, [](const Statement& row) {
    return FilterRecord{row.column_text(0), row.column_text(1), row.column_text(2),
                        row.column_int(3) != 0};
  });
}

Result<std::vector<DataSourceRecord>> SqliteStore::data_sources() {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT name, kind, description, config, enabled FROM tickscrawler_sources ORDER BY name");
  if (!s) return s.status();
  return read_all(*s, [](const Statement& row) {
    return DataSourceRecord{row.column_text(0), row.column_text(1), row.column_text(2),
                            row.column_text(3), row.column_int(4) != 0};
  });
}

}  // namespace tc::storage
