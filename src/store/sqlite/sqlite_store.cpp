#include "store/sqlite/sqlite_store.h"

#include "store/migrations/migrations.h"
#include "store/sql/sql_store.h"
#include "store/sqlite/sqlite_connection_factory.h"

namespace talky {

Expected<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options, Clock& clock,
                                                 IdGenerator& ids) {
  std::filesystem::path file = options.file;
  auto writer = std::make_shared<std::mutex>();
  auto checkpointer = std::make_shared<WalCheckpointer>(file);
  auto pool = std::make_unique<ConnectionPool>(
      [file, writer, checkpointer] { return OpenSqliteConnection(file, writer, checkpointer); },
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
