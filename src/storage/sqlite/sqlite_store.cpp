#include "storage/sqlite/sqlite_store.hpp"

#include "storage/sqlite/sqlite_migrations.hpp"

namespace tc::storage {

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
  auto writer = SqliteDatabase::open(path);
  if (!writer) return writer.status();
  auto version = migrate(**writer, sqlite_migrations());
  if (!version) return version.status();
  auto readers = SqliteReaders::open(path, kReaders);
  if (!readers) return readers.status();
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(writer).value(), std::move(readers).value(), *version));
}

SqliteStore::SqliteStore(std::unique_ptr<SqliteDatabase> writer,
                         std::unique_ptr<SqliteReaders> readers, int version)
    : readers_(std::move(readers)), schema_version_(version) {
  writer_.db = std::move(writer);
}

}  // namespace tc::storage
