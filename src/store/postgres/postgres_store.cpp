#include "store/postgres/postgres_store.h"

#include "store/migrations/migrations.h"
#include "store/postgres/postgres_connection_factory.h"
#include "store/sql/sql_store.h"

namespace talky {

Expected<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options,
                                                   Clock& clock, IdGenerator& ids) {
  std::string url = options.url;
  auto pool = std::make_unique<ConnectionPool>([url] { return OpenPostgresConnection(url); },
                                               options.pool_size);
  {
    Expected<ConnectionPool::Lease> connection = pool->Acquire();
    if (!connection) return std::unexpected(connection.error());
    Expected<MigrationReport> migrated = Migrate(**connection, clock.Now());
    if (!migrated) return std::unexpected(migrated.error());
  }
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(pool), clock, ids));
}

}  // namespace talky
