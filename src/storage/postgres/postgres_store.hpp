// PostgresStore: the Store of a deployment on PostgreSQL — the seed's database (schemas
// algorunner, screener, tickscrawler and shared), shared by every node of a cluster. Each store
// borrows a pooled connection per unit of work, so reads run beside a tick batch; batches of
// trades, bars and instruments go through COPY. Every value is a statement parameter or COPY data,
// never SQL text. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "storage/postgres/pg_pool.hpp"
#include "storage/store.hpp"

namespace tc::storage {

class PgJobStore final : public JobStore {
 public:
  explicit PgJobStore(PgPool& pool) : pool_(pool) {}
  Status create(const JobRecord& job, int max_active) override;
  Result<JobRecord> get(const std::string& id) override;
  Result<std::vector<JobRecord>> list(const JobQuery& query) override;
  Result<JobRecord> transition(const std::string& id, const JobTransition& change) override;
  Result<int> count_active(const std::string& kind) override;

 private:
  PgPool& pool_;
};

class PgCatalogStore final : public CatalogStore {
 public:
  explicit PgCatalogStore(PgPool& pool) : pool_(pool) {}
  Result<std::vector<AlgorithmRecord>> algorithms() override;
  Result<std::vector<FilterRecord>> filters() override;
  Result<std::vector<DataSourceRecord>> data_sources() override;
  Status put_algorithm(const AlgorithmRecord& algorithm) override;
  Status put_filter(const FilterRecord& filter) override;
  Status add_filter(const FilterRecord& filter) override;
  Status delete_filter(const std::string& name) override;
  Status put_data_source(const DataSourceRecord& source) override;

 private:
  PgPool& pool_;
};

class PgInstrumentStore final : public InstrumentStore {
 public:
  explicit PgInstrumentStore(PgPool& pool) : pool_(pool) {}
  Status put_instruments(std::span<const market::Instrument> instruments) override;
  Result<market::Instrument> instrument(const market::InstrumentId& id) override;
  Result<std::vector<market::Instrument>> instruments(const InstrumentQuery& query) override;
  Result<int64_t> count_instruments(const std::string& source) override;

 private:
  PgPool& pool_;
};

// Trades arrive mostly new: a batch is first copied straight into the table, as fast as COPY
// goes; when it holds trades already stored, the unique key refuses it and the batch goes through
// a temporary table and INSERT … ON CONFLICT DO NOTHING instead (as do the batches after it,
// until one comes through with no duplicate).
class PgTickStore final : public TickStore {
 public:
  explicit PgTickStore(PgPool& pool) : pool_(pool) {}
  Result<WriteCounts> write_ticks(std::span<const market::TradeTick> ticks) override;
  Status scan_ticks(const TickQuery& query,
                    const std::function<bool(const market::TradeTick&)>& visit) override;
  Result<int64_t> count_ticks(const TickQuery& query) override;
  Result<std::vector<market::InstrumentId>> instruments_with_ticks() override;
  Result<std::optional<market::TradeTick>> latest_tick(const market::InstrumentId& id) override;

 private:
  PgPool& pool_;
  std::atomic<bool> expect_duplicates_{false};
};

class PgBarStore final : public BarStore {
 public:
  explicit PgBarStore(PgPool& pool) : pool_(pool) {}
  Result<WriteCounts> write_bars(std::span<const market::Bar> bars) override;
  Result<std::vector<market::Bar>> bars(const BarQuery& query) override;
  Result<std::vector<market::Interval>> bar_intervals(const market::InstrumentId& id) override;
  Result<std::optional<int64_t>> latest_bar_time(const market::InstrumentId& id,
                                                 market::Interval interval) override;
  Result<std::vector<BarSeriesChange>> bar_series_changed(const std::string& source,
                                                          int64_t since) override;

 private:
  PgPool& pool_;
};

class PostgresStore final : public Store {
 public:
  // Connects and migrates the database to the newest schema. unavailable when the server cannot
  // be reached; failed_precondition when the schema is newer than this binary.
  static Result<std::unique_ptr<PostgresStore>> open(PgOptions options);

  JobStore& jobs() override { return jobs_; }
  CatalogStore& catalog() override { return catalog_; }
  InstrumentStore& instruments() override { return instruments_; }
  TickStore& ticks() override { return ticks_; }
  BarStore& bars() override { return bars_; }
  int schema_version() override { return schema_version_; }
  const char* backend() const override { return "postgres"; }
  // SELECT 1 on a connection of its own, outside the pool: a busy pool is not a down server.
  Status ping() override;

  const PgOptions& options() const { return pool_.options(); }

 private:
  PostgresStore(PgOptions options, int version)
      : pool_(std::move(options)), schema_version_(version) {}

  PgPool pool_;
  std::mutex ping_mu_;
  std::unique_ptr<PgConnection> ping_conn_;  // guarded by ping_mu_
  PgJobStore jobs_{pool_};
  PgCatalogStore catalog_{pool_};
  PgInstrumentStore instruments_{pool_};
  PgTickStore ticks_{pool_};
  PgBarStore bars_{pool_};
  int schema_version_;
};

}  // namespace tc::storage
