// FailClosed on PostgreSQL: the harness's server, a database per test.
#include "app/open_store.h"
#include "fail_closed_conformance.h"

namespace talky {
namespace {

class PostgresBackend {
 public:
  static Expected<std::unique_ptr<PostgresBackend>> Open(Clock& clock, IdGenerator& ids) {
    static int counter = 0;
    Expected<testing::PostgresServer*> postgres = testing::SharedPostgres();
    if (!postgres) return std::unexpected(postgres.error());
    Expected<std::string> url =
        (*postgres)->CreateDatabase("fail_closed_" + std::to_string(++counter));
    if (!url) return std::unexpected(url.error());
    auto backend = std::make_unique<PostgresBackend>();
    Expected<std::unique_ptr<Store>> store = OpenStore({SqlDialect::kPostgres, *url}, clock, ids);
    if (!store) return std::unexpected(store.error());
    backend->store_ = std::move(*store);
    return backend;
  }
  Store& store() { return *store_; }

 private:
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, FailClosed, PostgresBackend);

}  // namespace
}  // namespace talky
