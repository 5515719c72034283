#include "store/queue_log_store.h"

namespace talky {

std::string_view ToString(QueueEventKind kind) {
  switch (kind) {
    case QueueEventKind::kEnqueued:
      return "enqueued";
    case QueueEventKind::kPaused:
      return "paused";
    case QueueEventKind::kResumed:
      return "resumed";
    case QueueEventKind::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

}  // namespace talky
