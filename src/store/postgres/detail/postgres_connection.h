// SqlConnection over one libpq PGconn, with a cache of named prepared statements. Used by one
// thread at a time. The only file, with its .cpp, that includes libpq-fe.h.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "store/sql/sql_connection.h"

namespace talky::postgres_detail {

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ConnectionHandle = std::unique_ptr<PGconn, ConnectionCloser>;
using ResultHandle = std::unique_ptr<PGresult, ResultClearer>;

// Maps a failed libpq result (by SQLSTATE) or a broken connection to our Error, in one place.
Error ToError(PGconn* connection, const PGresult* result, std::string_view doing);

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(ConnectionHandle connection) : connection_(std::move(connection)) {}

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  Expected<SqlResult> Execute(std::string_view sql, std::span<const SqlValue> params) override;
  Expected<void> ExecuteScript(std::string_view sql) override;
  Expected<void> Begin() override;
  Expected<void> Commit() override;
  void Rollback() override;
  Expected<void> BulkInsert(std::string_view table, std::span<const std::string> columns,
                            std::span<const std::vector<SqlValue>> rows) override;

 private:
  // A connection lost (server restarted) is reset before its next use; its prepared statements
  // went with it. While the server stays unreachable, attempts back off (doubling, up to a few
  // seconds) and each use in between fails at once with kUnavailable, so callers never wait on
  // a dead server; the loss and the recovery are logged once each and counted.
  Expected<void> EnsureConnected();
  Expected<std::string> Prepare(std::string_view sql, int parameter_count);

  ConnectionHandle connection_;
  std::unordered_map<std::string, std::string> statement_names_;
  // Reconnection backoff on the steady clock: operational pacing, not logic that tests control.
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_error_;
};

}  // namespace talky::postgres_detail
