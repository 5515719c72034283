// The Store conformance suite on the embedded SQLite backend, each test with its own file in a
// temporary folder; plus what only SQLite has (WAL mode).
#include "store/sqlite/sqlite_store.h"

#include <atomic>

#include "harness/test_servers.h"
#include "store/migrations/migrations.h"
#include "store/sqlite/sqlite_connection_factory.h"
#include "store_conformance.h"

namespace talky {
namespace {

struct SqliteBackend {
  static Expected<std::string> NewDatabase() {
    static std::unique_ptr<testing::ScratchDir> dir;
    static std::atomic<int> counter{0};
    if (!dir) {
      Expected<std::unique_ptr<testing::ScratchDir>> created =
          testing::ScratchDir::Create("sqlite-store");
      if (!created) return std::unexpected(created.error());
      dir = std::move(*created);
    }
    return (dir->path() / ("store-" + std::to_string(++counter) + ".db")).string();
  }
  static Expected<std::unique_ptr<Store>> Open(const std::string& location, Clock& clock,
                                               IdGenerator& ids) {
    return OpenSqliteStore({.file = location}, clock, ids);
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreConformance, SqliteBackend);

TEST(SqliteStore, UsesWriteAheadLogging) {
  Expected<std::string> file = SqliteBackend::NewDatabase();
  ASSERT_TRUE(file);
  ManualClock clock(Instant{});
  RandomIdGenerator ids(1);
  ASSERT_TRUE(SqliteBackend::Open(*file, clock, ids));
  Expected<std::unique_ptr<SqlConnection>> connection = OpenSqliteConnection(*file);
  ASSERT_TRUE(connection);
  Expected<SqlResult> mode = (*connection)->Execute("PRAGMA journal_mode", {});
  ASSERT_TRUE(mode) << mode.error().Describe();
  EXPECT_EQ(mode->rows.at(0).at(0), "wal");
  Expected<SqlResult> version =
      (*connection)->Execute("SELECT MAX(version) FROM schema_migrations", {});
  ASSERT_TRUE(version);
  EXPECT_EQ(version->rows.at(0).at(0), std::to_string(AllMigrations().back().version));
}

TEST(SqliteStore, UnwritableFileIsUnavailable) {
  ManualClock clock(Instant{});
  RandomIdGenerator ids(1);
  Expected<std::unique_ptr<Store>> store =
      OpenSqliteStore({.file = "/nonexistent-folder/talky.db"}, clock, ids);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message.find("/nonexistent-folder/talky.db"), std::string::npos);
}

}  // namespace
}  // namespace talky
