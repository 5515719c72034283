// The embedded store: one SQLite file (WAL mode), shared by the threads of this process through a
// small pool of connections, and safe to open from several processes at once (SQLite's file locks
// serialise writers). Opening creates the file if needed and applies the migrations.
#pragma once

#include <filesystem>
#include <memory>

#include "domain/clock.h"
#include "store/id_generator.h"
#include "store/store.h"

namespace talky {

struct SqliteStoreOptions {
  std::filesystem::path file;
  int pool_size = 4;
};

// The clock and the id generator must outlive the store.
Expected<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options, Clock& clock,
                                                 IdGenerator& ids);

}  // namespace talky
