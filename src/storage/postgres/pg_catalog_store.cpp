#include "storage/postgres/postgres_store.hpp"

namespace tc::storage {
namespace {

// Runs a query without rows through the pool.
Status run_statement(PgPool& pool, const std::string& sql, const PgParams& params) {
  return pool.run([&](PgConnection& c) { return c.query(sql, params).status(); });
}

// Runs a query through the pool and maps each row with `read(rows, r)`.
template <typename Read>
auto read_rows(PgPool& pool, const std::string& sql, Read read)
    -> Result<std::vector<std::invoke_result_t<Read, const PgRows&, int>>> {
  using Row = std::invoke_result_t<Read, const PgRows&, int>;
  return pool.run([&](PgConnection& c) -> Result<std::vector<Row>> {
    auto rows = c.query(sql);
    if (!rows) return rows.status();
    std::vector<Row> out;
    for (int r = 0; r < rows->size(); ++r) out.push_back(read(*rows, r));
    return out;
  });
}

}  // namespace

Result<std::vector<AlgorithmRecord>> PgCatalogStore::algorithms() {
  return read_rows(pool_,
                   "SELECT name, description, parameters::text, enabled FROM "
                   "algorunner.algorithms ORDER BY name",
                   [](const PgRows& rows, int r) {
                     return AlgorithmRecord{std::string(rows.text(r, 0)),
                                            std::string(rows.text(r, 1)),
                                            std::string(rows.text(r, 2)), rows.boolean(r, 3)};
                   });
}

Result<std::vector<FilterRecord>> PgCatalogStore::filters() {
  return read_rows(
      pool_, "SELECT name, expression, description, builtin FROM screener.filters ORDER BY name",
      [](const PgRows& rows, int r) {
        return FilterRecord{std::string(rows.text(r, 0)), std::string(rows.text(r, 1)),
                            std::string(rows.text(r, 2)), rows.boolean(r, 3)};
      });
}

Result<std::vector<DataSourceRecord>> PgCatalogStore::data_sources() {
  return read_rows(pool_,
                   "SELECT name, kind, description, config::text, enabled FROM "
                   "tickscrawler.sources ORDER BY name",
                   [](const PgRows& rows, int r) {
                     return DataSourceRecord{std::string(rows.text(r, 0)),
                                             std::string(rows.text(r, 1)),
                                             std::string(rows.text(r, 2)),
                                             std::string(rows.text(r, 3)), rows.boolean(r, 4)};
                   });
}

Status PgCatalogStore::put_algorithm(const AlgorithmRecord& a) {
  return run_statement(
      pool_,
      "INSERT INTO algorunner.algorithms (name, description, parameters, enabled) "
      "VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET "
      "description = excluded.description, parameters = excluded.parameters, "
      "enabled = excluded.enabled",
      PgParams()
          .add(a.name)
          .add(a.description)
          .add(a.parameters.empty() ? std::string_view("{}") : std::string_view(a.parameters))
          .add(a.enabled));
}

Status PgCatalogStore::put_filter(const FilterRecord& f) {
  return pool_.run([&](PgConnection& c) -> Status {
    // One statement: a built-in filter of that name is left alone and nothing comes back.
    auto stored = c.query(
        "INSERT INTO screener.filters (name, expression, description, builtin) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET "
        "expression = excluded.expression, description = excluded.description, "
        "builtin = excluded.builtin WHERE NOT screener.filters.builtin RETURNING name",
        PgParams().add(f.name).add(f.expression).add(f.description).add(f.builtin));
    if (!stored) return stored.status();
    if (stored->empty()) {
      return failed_precondition("'" + f.name + "' is a built-in filter and cannot be replaced");
    }
    return Status::ok();
  });
}

Status PgCatalogStore::add_filter(const FilterRecord& f) {
  return pool_.run([&](PgConnection& c) -> Status {
    auto added = c.query(
        "INSERT INTO screener.filters (name, expression, description, builtin) "
        "VALUES ($1, $2, $3, false) ON CONFLICT (name) DO NOTHING RETURNING name",
        PgParams().add(f.name).add(f.expression).add(f.description));
    if (!added) return added.status();
    if (added->empty()) return already_exists("a filter named '" + f.name + "' exists");
    return Status::ok();
  });
}

Status PgCatalogStore::delete_filter(const std::string& name) {
  return pool_.run([&](PgConnection& c) -> Status {
    auto deleted =
        c.query("DELETE FROM screener.filters WHERE name = $1 AND NOT builtin RETURNING name",
                PgParams().add(name));
    if (!deleted) return deleted.status();
    if (!deleted->empty()) return Status::ok();
    auto existing =
        c.query("SELECT builtin FROM screener.filters WHERE name = $1", PgParams().add(name));
    if (!existing) return existing.status();
    if (existing->empty()) return not_found("no filter named '" + name + "'");
    return failed_precondition("'" + name + "' is a built-in filter and cannot be deleted");
  });
}

Status PgCatalogStore::put_data_source(const DataSourceRecord& d) {
  return run_statement(
      pool_,
      "INSERT INTO tickscrawler.sources (name, kind, description, config, enabled) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
      "description = excluded.description, config = excluded.config, "
      "enabled = excluded.enabled",
      PgParams()
          .add(d.name)
          .add(d.kind)
          .add(d.description)
          .add(d.config.empty() ? std::string_view("{}") : std::string_view(d.config))
          .add(d.enabled));
}

}  // namespace tc::storage
