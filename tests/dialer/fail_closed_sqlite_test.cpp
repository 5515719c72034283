// FailClosed on the embedded store: SQLite in a scratch folder.
#include "app/open_store.h"
#include "fail_closed_conformance.h"

namespace talky {
namespace {

class SqliteBackend {
 public:
  static Expected<std::unique_ptr<SqliteBackend>> Open(Clock& clock, IdGenerator& ids) {
    auto backend = std::make_unique<SqliteBackend>();
    Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("fail_closed");
    if (!dir) return std::unexpected(dir.error());
    backend->dir_ = std::move(*dir);
    Expected<std::unique_ptr<Store>> store =
        OpenStore({SqlDialect::kSqlite, (backend->dir_->path() / "talky.db").string()}, clock, ids);
    if (!store) return std::unexpected(store.error());
    backend->store_ = std::move(*store);
    return backend;
  }
  Store& store() { return *store_; }

 private:
  std::unique_ptr<testing::ScratchDir> dir_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, FailClosed, SqliteBackend);

}  // namespace
}  // namespace talky
