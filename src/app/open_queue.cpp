#include "app/open_queue.h"

#include "dialer/store_followed_queue.h"
#include "queue/redis/redis_job_queue.h"

namespace talky {

Expected<std::unique_ptr<JobQueue>> OpenQueue(const std::string& redis_url, Store& store,
                                              const Clock& clock) {
  if (!redis_url.empty()) {
    RedisQueueOptions options;
    options.url = redis_url;
    Expected<std::unique_ptr<RedisJobQueue>> redis = RedisJobQueue::Connect(clock, options);
    if (!redis) return std::unexpected(redis.error());
    return std::unique_ptr<JobQueue>(std::move(*redis));
  }
  Expected<std::unique_ptr<StoreFollowedQueue>> local = StoreFollowedQueue::Open(store, clock);
  if (!local) return std::unexpected(local.error());
  return std::unique_ptr<JobQueue>(std::move(*local));
}

}  // namespace talky
