// The distributed store: PostgreSQL through a pool of libpq connections, for any number of
// processes on any number of machines. Opening connects once and applies the migrations (under an
// advisory lock, so processes starting together do not race).
#pragma once

#include <memory>
#include <string>

#include "domain/clock.h"
#include "store/id_generator.h"
#include "store/store.h"

namespace talky {

struct PostgresStoreOptions {
  std::string url;  // postgresql://user@host:port/database
  int pool_size = 4;
};

// The clock and the id generator must outlive the store.
Expected<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options,
                                                   Clock& clock, IdGenerator& ids);

}  // namespace talky
