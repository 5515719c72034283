// SqlConnection over one sqlite3 handle, with a cache of prepared statements. Used by one thread at
// a time. The only file, with its .cpp, that includes sqlite3.h.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/sql/sql_connection.h"
#include "store/sqlite/wal_checkpointer.h"

namespace talky::sqlite_detail {

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Maps an SQLite result code (and the connection's message) to our Error, in one place.
Error ToError(sqlite3* db, int code, std::string_view doing);

class SqliteConnection final : public SqlConnection {
 public:
  // `writer` (may be null) is held from Begin to Commit or Rollback, and around each write
  // statement outside a transaction. `checkpointer` (may be null) is told of every commit and
  // takes over SQLite's automatic checkpoints.
  SqliteConnection(DatabaseHandle db, std::shared_ptr<std::mutex> writer,
                   std::shared_ptr<WalCheckpointer> checkpointer);
  // Statements must be finalized before the database handle closes.
  ~SqliteConnection() override { statements_.clear(); }

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  Expected<SqlResult> Execute(std::string_view sql, std::span<const SqlValue> params) override;
  Expected<void> ExecuteScript(std::string_view sql) override;
  Expected<void> Begin() override;
  Expected<void> Commit() override;
  void Rollback() override;
  Expected<void> BulkInsert(std::string_view table, std::span<const std::string> columns,
                            std::span<const std::vector<SqlValue>> rows) override;

 private:
  Expected<sqlite3_stmt*> Prepare(std::string_view sql);
  Expected<void> Bind(sqlite3_stmt* statement, std::span<const SqlValue> params);

  // A write outside a transaction takes the writer for its own duration.
  std::unique_lock<std::mutex> LockForWrite(sqlite3_stmt* statement);

  DatabaseHandle db_;
  std::shared_ptr<std::mutex> writer_;
  std::shared_ptr<WalCheckpointer> checkpointer_;
  std::unique_lock<std::mutex> transaction_lock_;  // held from Begin to Commit or Rollback
  std::unordered_map<std::string, StatementHandle> statements_;
};

}  // namespace talky::sqlite_detail
