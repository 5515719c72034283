// WebhookCompletion on the embedded pair: SQLite (the worker and the intake each open their own
// store on one file, as two processes would) and the embedded queue (in-process by nature: the
// worker and the intake share it).
#include "harness/scratch_store.h"
#include "queue/local/local_job_queue.h"
#include "webhook_completion_conformance.h"

namespace talky {
namespace {

class SqliteLocalBackend {
 public:
  static Expected<std::unique_ptr<SqliteLocalBackend>> Open(Clock& clock, IdGenerator& worker_ids,
                                                            IdGenerator& serve_ids) {
    auto backend = std::unique_ptr<SqliteLocalBackend>(new SqliteLocalBackend(clock));
    Expected<std::unique_ptr<testing::ScratchStore>> worker_store =
        testing::ScratchStore::Create("completion", clock, worker_ids);
    if (!worker_store) return std::unexpected(worker_store.error());
    backend->worker_store_ = std::move(*worker_store);
    Expected<std::unique_ptr<Store>> serve_store =
        backend->worker_store_->OpenAnother(clock, serve_ids);
    if (!serve_store) return std::unexpected(serve_store.error());
    backend->serve_store_ = std::move(*serve_store);
    return backend;
  }

  Store& worker_store() { return worker_store_->store(); }
  Store& serve_store() { return *serve_store_; }
  JobQueue& worker_queue() { return queue_; }
  JobQueue& serve_queue() { return queue_; }

 private:
  explicit SqliteLocalBackend(Clock& clock) : queue_(clock, LocalQueueOptions{.seed = 3}) {}

  std::unique_ptr<testing::ScratchStore> worker_store_;
  std::unique_ptr<Store> serve_store_;
  LocalJobQueue queue_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(SqliteLocal, WebhookCompletion, SqliteLocalBackend);

}  // namespace
}  // namespace talky
