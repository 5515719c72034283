#include "queue/job_queue.h"

namespace talky {

Expected<std::optional<TakenJob>> JobQueue::Take(std::chrono::milliseconds lease) {
  Expected<std::vector<TakenJob>> batch = TakeBatch(1, lease);
  if (!batch) return std::unexpected(batch.error());
  if (batch->empty()) return std::nullopt;
  return std::move(batch->front());
}

}  // namespace talky
