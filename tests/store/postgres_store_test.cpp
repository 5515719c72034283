// The Store conformance suite on PostgreSQL: the harness's real server, a fresh database per test.
#include "store/postgres/postgres_store.h"

#include <atomic>

#include "harness/test_servers.h"
#include "store_conformance.h"
#include "store_listing_conformance.h"

namespace talky {
namespace {

struct PostgresBackend {
  static Expected<std::string> NewDatabase() {
    static std::atomic<int> counter{0};
    Expected<testing::PostgresServer*> server = testing::SharedPostgres();
    if (!server) return std::unexpected(server.error());
    return (*server)->CreateDatabase("store_test_" + std::to_string(++counter));
  }
  static Expected<std::unique_ptr<Store>> Open(const std::string& location, Clock& clock,
                                               IdGenerator& ids) {
    return OpenPostgresStore({.url = location}, clock, ids);
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreConformance, PostgresBackend);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreListingConformance, PostgresBackend);

TEST(PostgresStore, UnreachableServerIsUnavailable) {
  ManualClock clock(Instant{});
  RandomIdGenerator ids(1);
  // Port 1 on loopback: nothing listens there.
  Expected<std::unique_ptr<Store>> store = OpenPostgresStore(
      {.url = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2"}, clock, ids);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
}

TEST(PostgresStore, ConcurrentStartUpsMigrateOnce) {
  Expected<testing::PostgresServer*> server = testing::SharedPostgres();
  ASSERT_TRUE(server) << server.error().Describe();
  Expected<std::string> url = (*server)->CreateDatabase("store_concurrent_migrate");
  ASSERT_TRUE(url);
  ManualClock clock(Instant{});
  RandomIdGenerator ids(1);
  std::atomic<int> opened{0};
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        if (OpenPostgresStore({.url = *url, .pool_size = 1}, clock, ids)) ++opened;
      });
    }
  }
  EXPECT_EQ(opened.load(), 4);
}

}  // namespace
}  // namespace talky
