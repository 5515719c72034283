// The embedded queues' shared log: how processes that share the database without Redis see
// each other's campaign starts, pauses, resumes and cancels (StoreFollowedQueue).
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). A caller takes the roles it uses; SqlStore provides them all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

enum class QueueEventKind { kEnqueued, kPaused, kResumed, kCancelled };
std::string_view ToString(QueueEventKind kind);

struct QueueEvent {
  int64_t sequence = 0;  // assigned by the store when appended; increasing
  QueueEventKind kind = QueueEventKind::kEnqueued;
  TenantId tenant_id;
  CampaignId campaign_id;
  std::string origin;  // the process that wrote it (its queue already holds the change)
  Instant at{};

  bool operator==(const QueueEvent&) const = default;
};

class QueueLogStore {
 public:
  virtual ~QueueLogStore() = default;

  // Appends the event and answers its sequence. Every tenant's events are in one log.
  virtual Expected<int64_t> AppendQueueEvent(const QueueEvent& event) = 0;
  // The events after `after_sequence`, oldest first, at most `limit`.
  virtual Expected<std::vector<QueueEvent>> ListQueueEvents(int64_t after_sequence, int limit) = 0;
};

}  // namespace talky
