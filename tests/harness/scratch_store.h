// A SQLite store in a scratch folder, for tests that need a real store and no server: the folder
// (with the database file) goes away with the object, also when the test binary is killed
// (ScratchDir's reaper). The folder has room for other files (a campaign file, a key).
//
// The clock and the id generator must outlive the store; one thread creates it, and the store is
// then as thread-safe as any Store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "domain/clock.h"
#include "domain/error.h"
#include "harness/test_servers.h"
#include "store/id_generator.h"
#include "store/store.h"

namespace talky::testing {

class ScratchStore {
 public:
  // A new folder named after `tag`, with a migrated store in talky.db.
  static Expected<std::unique_ptr<ScratchStore>> Create(const std::string& tag, Clock& clock,
                                                        IdGenerator& ids);

  Store& store() const { return *store_; }
  Store* operator->() const { return store_.get(); }
  ScratchDir& dir() const { return *dir_; }
  const std::filesystem::path& folder() const { return dir_->path(); }
  std::string file() const;  // the database file
  std::string url() const;   // sqlite:FILE, the --database-url of a `talky` process

  // Another store on the same file, as another process would open it.
  Expected<std::unique_ptr<Store>> OpenAnother(Clock& clock, IdGenerator& ids) const;

 private:
  ScratchStore(std::unique_ptr<ScratchDir> dir, std::unique_ptr<Store> store);
  std::unique_ptr<ScratchDir> dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace talky::testing
