// SqlStore, one role: the embedded queues' shared log (store/queue_log_store.h).
#include <algorithm>

#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

namespace {

Expected<QueueEvent> ReadQueueEvent(const Row& row) {
  static constexpr std::array kKinds{QueueEventKind::kEnqueued, QueueEventKind::kPaused,
                                     QueueEventKind::kResumed, QueueEventKind::kCancelled};
  QueueEvent event{.sequence = std::stoll(row.at(0).value_or("0")),
                   .tenant_id = TenantId{row.at(2).value_or("")},
                   .campaign_id = CampaignId{row.at(3).value_or("")},
                   .origin = row.at(4).value_or(""),
                   .at = Instant{std::chrono::microseconds{std::stoll(row.at(5).value_or("0"))}}};
  const std::string kind = row.at(1).value_or("");
  auto found = std::ranges::find_if(kKinds, [&](QueueEventKind k) { return ToString(k) == kind; });
  if (found == kKinds.end()) {
    return std::unexpected(Error::Internal("queue event of unknown kind '" + kind + "'"));
  }
  event.kind = *found;
  return event;
}

}  // namespace

Expected<int64_t> SqlStore::AppendQueueEvent(const QueueEvent& event) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  Expected<SqlResult> inserted = (*lease)->Execute(
      "INSERT INTO queue_events (kind, tenant_id, campaign_id, origin, at)"
      " VALUES ($1, $2, $3, $4, $5) RETURNING sequence",
      std::vector<SqlValue>{std::string(ToString(event.kind)), event.tenant_id.value,
                            event.campaign_id.value, event.origin,
                            int64_t{event.at.time_since_epoch().count()}});
  if (!inserted) return std::unexpected(inserted.error());
  if (inserted->rows.empty()) return std::unexpected(Error::Internal("no queue event sequence"));
  return std::stoll(inserted->rows.front().at(0).value_or("0"));
}

Expected<std::vector<QueueEvent>> SqlStore::ListQueueEvents(int64_t after_sequence, int limit) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  return All((*lease)->Execute("SELECT sequence, kind, tenant_id, campaign_id, origin, at"
                               " FROM queue_events WHERE sequence > $1 ORDER BY sequence LIMIT $2",
                               std::vector<SqlValue>{after_sequence, int64_t{limit}}),
             ReadQueueEvent);
}

}  // namespace talky
