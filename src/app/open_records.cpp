#include "app/open_records.h"

#include "app/open_queue.h"
#include "app/open_store.h"

namespace talky {

Expected<Records> OpenRecords(const std::string& database_url, const std::string& redis_url,
                              Clock& clock, IdGenerator& ids, int connections) {
  Expected<DatabaseTarget> target = ParseDatabaseUrl(database_url);
  if (!target) return std::unexpected(target.error());
  Expected<std::unique_ptr<Store>> store = OpenStore(*target, clock, ids, connections);
  if (!store) return std::unexpected(store.error());
  Expected<std::unique_ptr<JobQueue>> queue = OpenQueue(redis_url, **store, clock);
  if (!queue) return std::unexpected(queue.error());
  return Records{.store = std::move(*store), .queue = std::move(*queue)};
}

}  // namespace talky
