#include "harness/scratch_store.h"

#include "app/open_store.h"

namespace talky::testing {

ScratchStore::ScratchStore(std::unique_ptr<ScratchDir> dir, std::unique_ptr<Store> store)
    : dir_(std::move(dir)), store_(std::move(store)) {}

Expected<std::unique_ptr<ScratchStore>> ScratchStore::Create(const std::string& tag, Clock& clock,
                                                             IdGenerator& ids) {
  Expected<std::unique_ptr<ScratchDir>> dir = ScratchDir::Create(tag);
  if (!dir) return std::unexpected(dir.error());
  const std::string file = ((*dir)->path() / "talky.db").string();
  Expected<std::unique_ptr<Store>> store = OpenStore({SqlDialect::kSqlite, file}, clock, ids);
  if (!store) return std::unexpected(store.error());
  return std::unique_ptr<ScratchStore>(new ScratchStore(std::move(*dir), std::move(*store)));
}

std::string ScratchStore::file() const { return (dir_->path() / "talky.db").string(); }

std::string ScratchStore::url() const { return "sqlite:" + file(); }

Expected<std::unique_ptr<Store>> ScratchStore::OpenAnother(Clock& clock, IdGenerator& ids) const {
  return OpenStore({SqlDialect::kSqlite, file()}, clock, ids);
}

}  // namespace talky::testing
