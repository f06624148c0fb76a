#include "storage/sqlite/sqlite_catalog_store.hpp"

namespace tc::storage {

Result<std::vector<AlgorithmRecord>> SqliteCatalogStore::algorithms() {
  std::lock_guard lock(conn_.mu);
  auto s = conn_.db->prepare(
      "SELECT name, description, parameters, enabled FROM algorunner_algorithms ORDER BY name");
  if (!s) return s.status();
  return read_all(*s, [](const Statement& row) {
    return AlgorithmRecord{row.column_text(0), row.column_text(1), row.column_text(2),
                           row.column_int(3) != 0};
  });
}

Result<std::vector<FilterRecord>> SqliteCatalogStore::filters() {
  std::lock_guard lock(conn_.mu);
  auto s = conn_.db->prepare(
      "SELECT name, expression, description, builtin FROM screener_filters ORDER BY name");
  if (!s) return s.status();
  return read_all(*s, [](const Statement& row) {
    return FilterRecord{row.column_text(0), row.column_text(1), row.column_text(2),
                        row.column_int(3) != 0};
  });
}

Result<std::vector<DataSourceRecord>> SqliteCatalogStore::data_sources() {
  std::lock_guard lock(conn_.mu);
  auto s = conn_.db->prepare(
      "SELECT name, kind, description, config, enabled FROM tickscrawler_sources ORDER BY name");
  if (!s) return s.status();
  return read_all(*s, [](const Statement& row) {
    return DataSourceRecord{row.column_text(0), row.column_text(1), row.column_text(2),
                            row.column_text(3), row.column_int(4) != 0};
  });
}

Status SqliteCatalogStore::put_algorithm(const AlgorithmRecord& a) {
  std::lock_guard lock(conn_.mu);
  auto s = conn_.db->prepare(
      "INSERT INTO algorunner_algorithms (name, description, parameters, enabled, created_at) "
      "VALUES (?, ?, ?, ?, unixepoch() * 1000000000) ON CONFLICT (name) DO UPDATE SET "
      "description = excluded.description, parameters = excluded.parameters, "
      "enabled = excluded.enabled");
  if (!s) return s.status();
  s->bind(1, a.name).bind(2, a.description).bind(3, a.parameters.empty() ? "{}" : a.parameters);
  s->bind(4, static_cast<int64_t>(a.enabled));
  return s->run();
}

Status SqliteCatalogStore::put_filter(const FilterRecord& f) {
  std::lock_guard lock(conn_.mu);
  return in_transaction(*conn_.db, [&]() -> Status {
    auto existing = conn_.db->prepare("SELECT builtin FROM screener_filters WHERE name = ?");
    if (!existing) return existing.status();
    existing->bind(1, f.name);
    auto row = existing->step();
    if (!row) return row.status();
    if (*row && existing->column_int(0) != 0) {
      return failed_precondition("'" + f.name + "' is a built-in filter and cannot be replaced");
    }
    auto s = conn_.db->prepare(
        "INSERT OR REPLACE INTO screener_filters (name, expression, description, builtin, "
        "created_at) VALUES (?, ?, ?, ?, unixepoch() * 1000000000)");
    if (!s) return s.status();
    s->bind(1, f.name).bind(2, f.expression).bind(3, f.description);
    s->bind(4, static_cast<int64_t>(f.builtin));
    return s->run();
  });
}

Status SqliteCatalogStore::add_filter(const FilterRecord& f) {
  std::lock_guard lock(conn_.mu);
  auto s = conn_.db->prepare(
      "INSERT INTO screener_filters (name, expression, description, builtin, created_at) "
      "VALUES (?, ?, ?, 0, unixepoch() * 1000000000)");
  if (!s) return s.status();
  s->bind(1, f.name).bind(2, f.expression).bind(3, f.description);
  Status inserted = s->run();
  if (inserted.code() == StatusCode::kAlreadyExists) {
    return already_exists("a filter named '" + f.name + "' exists");
  }
  return inserted;
}

Status SqliteCatalogStore::delete_filter(const std::string& name) {
  std::lock_guard lock(conn_.mu);
  return in_transaction(*conn_.db, [&]() -> Status {
    auto existing = conn_.db->prepare("SELECT builtin FROM screener_filters WHERE name = ?");
    if (!existing) return existing.status();
    existing->bind(1, name);
    auto row = existing->step();
    if (!row) return row.status();
    if (!*row) return not_found("no filter named '" + name + "'");
    if (existing->column_int(0) != 0) {
      return failed_precondition("'" + name + "' is a built-in filter and cannot be deleted");
    }
    auto s = conn_.db->prepare("DELETE FROM screener_filters WHERE name = ?");
    if (!s) return s.status();
    s->bind(1, name);
    return s->run();
  });
}

Status SqliteCatalogStore::put_data_source(const DataSourceRecord& d) {
  std::lock_guard lock(conn_.mu);
  auto s = conn_.db->prepare(
      "INSERT INTO tickscrawler_sources (name, kind, description, config, enabled) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
      "description = excluded.description, config = excluded.config, "
      "enabled = excluded.enabled");
  if (!s) return s.status();
  s->bind(1, d.name).bind(2, d.kind).bind(3, d.description);
  s->bind(4, d.config.empty() ? "{}" : d.config).bind(5, static_cast<int64_t>(d.enabled));
  return s->run();
}

}  // namespace tc::storage
