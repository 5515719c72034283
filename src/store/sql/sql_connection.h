// The small piece of a database connection that the store's shared SQL needs, implemented once per
// backend (sqlite/, postgres/). Statements use PostgreSQL's `$1` placeholders on both; the SQLite
// backend rewrites them. Values cross as text, so the logical types are the same on both engines.
//
// A connection is used by one thread at a time (ConnectionPool hands it out); it caches its
// prepared statements by SQL text.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/error.h"

namespace talky {

enum class SqlDialect { kSqlite, kPostgres };

// A bound parameter: NULL, an integer, a real, text or a boolean.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string, bool>;

struct SqlResult {
  std::vector<std::vector<std::optional<std::string>>> rows;  // each value as text, or NULL
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  virtual SqlDialect dialect() const = 0;

  // One statement with `$n` parameters, prepared once per connection and reused.
  virtual Expected<SqlResult> Execute(std::string_view sql, std::span<const SqlValue> params) = 0;
  // Several statements without parameters (migrations).
  virtual Expected<void> ExecuteScript(std::string_view sql) = 0;

  // A write transaction: SQLite takes the write lock at once (BEGIN IMMEDIATE), so two writers
  // never deadlock upgrading a read lock.
  virtual Expected<void> Begin() = 0;
  virtual Expected<void> Commit() = 0;
  virtual void Rollback() = 0;

  // Appends many rows to `table` inside the current transaction: COPY on PostgreSQL, one reused
  // prepared INSERT on SQLite.
  virtual Expected<void> BulkInsert(std::string_view table, std::span<const std::string> columns,
                                    std::span<const std::vector<SqlValue>> rows) = 0;
};

}  // namespace talky
