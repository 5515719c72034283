#include "app/open_store.h"

#include "store/postgres/postgres_connection_factory.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_connection_factory.h"
#include "store/sqlite/sqlite_store.h"

namespace talky {

Expected<DatabaseTarget> ParseDatabaseUrl(const std::string& url) {
  if (url.empty()) return DatabaseTarget{SqlDialect::kSqlite, kDefaultSqliteFile};
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return DatabaseTarget{SqlDialect::kPostgres, url};
  }
  for (std::string_view prefix : {"sqlite://", "sqlite:"}) {
    if (url.starts_with(prefix) && url.size() > prefix.size()) {
      return DatabaseTarget{SqlDialect::kSqlite, url.substr(prefix.size())};
    }
  }
  return std::unexpected(Error::InvalidArgument(
      "unsupported database URL",
      {{"database-url", "use postgresql://user@host:port/database or sqlite:PATH"}}));
}

std::string DatabaseUrlHelp() {
  return std::string("postgresql://user@host:port/database, or sqlite:PATH (default: sqlite:") +
         kDefaultSqliteFile + ")";
}

Expected<std::unique_ptr<Store>> OpenStore(const DatabaseTarget& target, Clock& clock,
                                           IdGenerator& ids, int pool_size) {
  if (target.dialect == SqlDialect::kPostgres) {
    return OpenPostgresStore({.url = target.location, .pool_size = pool_size}, clock, ids);
  }
  return OpenSqliteStore({.file = target.location, .pool_size = pool_size}, clock, ids);
}

Expected<std::unique_ptr<SqlConnection>> OpenConnection(const DatabaseTarget& target) {
  if (target.dialect == SqlDialect::kPostgres) return OpenPostgresConnection(target.location);
  return OpenSqliteConnection(target.location);
}

}  // namespace talky
