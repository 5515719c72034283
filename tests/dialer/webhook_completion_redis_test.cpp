// WebhookCompletion on the distributed pair: PostgreSQL and Redis, each side (worker, intake) with
// its own store connections and its own Redis connection, as a `talky worker` and a `talky serve`
// process have.
#include "app/open_store.h"
#include "queue/redis/redis_job_queue.h"
#include "webhook_completion_conformance.h"

namespace talky {
namespace {

class PostgresRedisBackend {
 public:
  static Expected<std::unique_ptr<PostgresRedisBackend>> Open(Clock& clock, IdGenerator& worker_ids,
                                                              IdGenerator& serve_ids) {
    static int counter = 0;
    ++counter;
    Expected<testing::PostgresServer*> postgres = testing::SharedPostgres();
    if (!postgres) return std::unexpected(postgres.error());
    Expected<std::string> url =
        (*postgres)->CreateDatabase("webhook_completion_" + std::to_string(counter));
    if (!url) return std::unexpected(url.error());
    Expected<testing::RedisServer*> redis = testing::SharedRedis();
    if (!redis) return std::unexpected(redis.error());

    auto backend = std::make_unique<PostgresRedisBackend>();
    const DatabaseTarget target{SqlDialect::kPostgres, *url};
    Expected<std::unique_ptr<Store>> worker_store = OpenStore(target, clock, worker_ids);
    if (!worker_store) return std::unexpected(worker_store.error());
    backend->worker_store_ = std::move(*worker_store);
    Expected<std::unique_ptr<Store>> serve_store = OpenStore(target, clock, serve_ids);
    if (!serve_store) return std::unexpected(serve_store.error());
    backend->serve_store_ = std::move(*serve_store);
    const std::string prefix = "{completion" + std::to_string(counter) + "}:";
    for (auto* queue : {&backend->worker_queue_, &backend->serve_queue_}) {
      Expected<std::unique_ptr<RedisJobQueue>> connected =
          RedisJobQueue::Connect(clock, {.url = (*redis)->url(), .key_prefix = prefix});
      if (!connected) return std::unexpected(connected.error());
      *queue = std::move(*connected);
    }
    return backend;
  }

  Store& worker_store() { return *worker_store_; }
  Store& serve_store() { return *serve_store_; }
  JobQueue& worker_queue() { return *worker_queue_; }
  JobQueue& serve_queue() { return *serve_queue_; }

 private:
  std::unique_ptr<Store> worker_store_;
  std::unique_ptr<Store> serve_store_;
  std::unique_ptr<RedisJobQueue> worker_queue_;
  std::unique_ptr<RedisJobQueue> serve_queue_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(PostgresRedis, WebhookCompletion, PostgresRedisBackend);

}  // namespace
}  // namespace talky
