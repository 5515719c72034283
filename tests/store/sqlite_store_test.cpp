// The Store conformance suite on the embedded SQLite backend, each test with its own file in a
// temporary folder; plus what only SQLite has (WAL mode).
#include "store/sqlite/sqlite_store.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "harness/test_servers.h"
#include "store/migrations/migrations.h"
#include "store/sqlite/sqlite_connection_factory.h"
#include "store_conformance.h"
#include "store_listing_conformance.h"

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
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreListingConformance, SqliteBackend);

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

// The write-ahead log is copied into the database file by the checkpointer's thread, not by the
// commit that crosses SQLite's threshold (that one holds the write lock).
TEST(SqliteStore, TheLogIsCheckpointedBesideTheWriters) {
  Expected<std::string> file = SqliteBackend::NewDatabase();
  ASSERT_TRUE(file);
  auto checkpointer = std::make_shared<WalCheckpointer>(*file);
  Expected<std::unique_ptr<SqlConnection>> opened =
      OpenSqliteConnection(*file, nullptr, checkpointer);
  ASSERT_TRUE(opened) << opened.error().Describe();
  SqlConnection& connection = **opened;
  Expected<SqlResult> automatic = connection.Execute("PRAGMA wal_autocheckpoint", {});
  ASSERT_TRUE(automatic);
  EXPECT_EQ(automatic->rows.at(0).at(0), "0") << "commits still checkpoint the log themselves";

  ASSERT_TRUE(connection.ExecuteScript("CREATE TABLE pages (body BLOB)"));
  constexpr int kTransactions = 400;
  constexpr int kPagesPerTransaction = 10;  // a 4 KiB blob fills about a page
  for (int t = 0; t < kTransactions; ++t) {
    ASSERT_TRUE(connection.Begin());
    for (int p = 0; p < kPagesPerTransaction; ++p) {
      ASSERT_TRUE(connection.Execute("INSERT INTO pages (body) VALUES (zeroblob(4000))", {}));
    }
    ASSERT_TRUE(connection.Commit());
  }
  Expected<SqlResult> page_size = connection.Execute("PRAGMA page_size", {});
  ASSERT_TRUE(page_size);
  // Every page of the log but its last kPagesPerCheckpoint (less than that is not due yet, as
  // with SQLite's own checkpoint) reaches the file.
  const std::uintmax_t written =
      std::uintmax_t{kTransactions * kPagesPerTransaction - WalCheckpointer::kPagesPerCheckpoint} *
      std::stoull(page_size->rows.at(0).at(0).value_or("0"));
  // Nobody but the checkpointer copies the log into the file while the connection stays open.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::filesystem::file_size(*file) < written &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(std::filesystem::file_size(*file), written) << "the log was not checkpointed";
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
