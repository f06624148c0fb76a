// The market-data stores of SqliteStore: instruments (tickscrawler_instruments), trades
// (tickscrawler_ticks, clustered by time with a unique trade key) and bars (screener_bars).
// Prices and sizes are stored as integer units with their scale, so they come back exactly.
// Thread-safe: writes hold the write connection's mutex, reads the read connection's, so a
// history query runs beside a crawl's write batch.
#pragma once

#include "storage/bar_store.hpp"
#include "storage/instrument_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"
#include "storage/tick_store.hpp"

namespace tc::storage {

class SqliteInstrumentStore final : public InstrumentStore {
 public:
  SqliteInstrumentStore(SqliteConnection& writer, SqliteReaders& readers)
      : writer_(writer), readers_(readers) {}

  Status put_instruments(std::span<const market::Instrument> instruments) override;
  Result<market::Instrument> instrument(const market::InstrumentId& id) override;
  Result<std::vector<market::Instrument>> instruments(const InstrumentQuery& query) override;
  Result<int64_t> count_instruments(const std::string& source) override;

 private:
  SqliteConnection& writer_;
  SqliteReaders& readers_;
};

class SqliteTickStore final : public TickStore {
 public:
  SqliteTickStore(SqliteConnection& writer, SqliteReaders& readers)
      : writer_(writer), readers_(readers) {}

  Result<WriteCounts> write_ticks(std::span<const market::TradeTick> ticks) override;
  Status scan_ticks(const TickQuery& query,
                    const std::function<bool(const market::TradeTick&)>& visit) override;
  Result<int64_t> count_ticks(const TickQuery& query) override;
  Result<std::vector<market::InstrumentId>> instruments_with_ticks() override;
  Result<std::optional<market::TradeTick>> latest_tick(const market::InstrumentId& id) override;

 private:
  SqliteConnection& writer_;
  SqliteReaders& readers_;
};

class SqliteBarStore final : public BarStore {
 public:
  SqliteBarStore(SqliteConnection& writer, SqliteReaders& readers)
      : writer_(writer), readers_(readers) {}

  Result<WriteCounts> write_bars(std::span<const market::Bar> bars) override;
  Result<std::vector<market::Bar>> bars(const BarQuery& query) override;
  Result<std::vector<market::Interval>> bar_intervals(const market::InstrumentId& id) override;
  Result<std::optional<int64_t>> latest_bar_time(const market::InstrumentId& id,
                                                 market::Interval interval) override;
  Result<std::vector<BarSeriesChange>> bar_series_changed(const std::string& source,
                                                          int64_t since) override;

 private:
  SqliteConnection& writer_;
  SqliteReaders& readers_;
};

}  // namespace tc::storage
