#include "app/open_queue.h"

#include "queue/redis/redis_job_queue.h"

namespace talky {

Expected<std::unique_ptr<LocalJobQueue>> RebuildEmbeddedQueue(Store& store, const Clock& clock,
                                                              int page_size) {
  std::vector<DialerJob> open_jobs;
  PageRequest request{.limit = page_size};
  while (true) {
    Expected<Page<DialerJob>> page = store.ListOpenJobs(request);
    if (!page) return std::unexpected(page.error());
    std::move(page->items.begin(), page->items.end(), std::back_inserter(open_jobs));
    if (!page->next) break;
    request.after = *page->next;
  }
  return LocalJobQueue::Rebuild(clock, std::move(open_jobs));
}

Expected<std::unique_ptr<JobQueue>> OpenQueue(const std::string& redis_url, Store& store,
                                              const Clock& clock) {
  if (!redis_url.empty()) {
    RedisQueueOptions options;
    options.url = redis_url;
    Expected<std::unique_ptr<RedisJobQueue>> redis = RedisJobQueue::Connect(clock, options);
    if (!redis) return std::unexpected(redis.error());
    return std::unique_ptr<JobQueue>(std::move(*redis));
  }
  Expected<std::unique_ptr<LocalJobQueue>> local = RebuildEmbeddedQueue(store, clock);
  if (!local) return std::unexpected(local.error());
  return std::unique_ptr<JobQueue>(std::move(*local));
}

}  // namespace talky
