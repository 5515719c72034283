// Picks the store backend from a database URL, the one place that names them:
//   (empty)                  SQLite file ./talky.db, the embedded default
//   sqlite:PATH, sqlite://PATH
//   postgresql://..., postgres://...
// Opening applies the migrations.
#pragma once

#include <memory>
#include <string>

#include "domain/clock.h"
#include "domain/error.h"
#include "store/id_generator.h"
#include "store/sql/sql_connection.h"
#include "store/store.h"

namespace talky {

inline constexpr char kDefaultSqliteFile[] = "talky.db";

struct DatabaseTarget {
  SqlDialect dialect = SqlDialect::kSqlite;
  std::string location;  // a file path for SQLite, the URL for PostgreSQL
};

// An unknown scheme is an InvalidArgument naming "database-url".
Expected<DatabaseTarget> ParseDatabaseUrl(const std::string& url);

// The --database-url help for a command whose default is kDefaultSqliteFile.
std::string DatabaseUrlHelp();

// The clock and the id generator must outlive the store.
Expected<std::unique_ptr<Store>> OpenStore(const DatabaseTarget& target, Clock& clock,
                                           IdGenerator& ids, int pool_size = 4);

// One connection, for `talky migrate` and tools.
Expected<std::unique_ptr<SqlConnection>> OpenConnection(const DatabaseTarget& target);

}  // namespace talky
