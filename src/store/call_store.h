// Calls, their provider events, and the calls placed to a number.
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). A caller takes the roles it uses; SqlStore provides them all.
#pragma once

#include <optional>
#include <vector>

#include "domain/call_outcome.h"
#include "domain/call_record.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "store/page.h"

namespace talky {

struct CallEventResult {
  bool duplicate = false;  // the same (provider call id, status) was already recorded
  CallRecord call;         // the call after the event
};

// One provider event and its tenant, for RecordCallEvents.
struct TenantCallEvent {
  TenantId tenant;
  CallEvent event;
};

struct NumberCallHistory {
  int count = 0;
  std::optional<Instant> last_call_at;
  std::vector<Instant> call_times;  // oldest first; what a state's daily cap needs
};

// Which of a tenant's calls to list; every field that is set must match.
struct CallFilter {
  std::optional<CampaignId> campaign;
  std::optional<CallOutcome> outcome;
  std::optional<Instant> since;  // created at or after
  std::optional<Instant> until;  // created before
};

class CallStore {
 public:
  virtual ~CallStore() = default;

  // Stores a call when it is originated (Conflict on a taken provider call id).
  virtual Expected<void> RecordCall(const CallRecord& call) = 0;
  // RecordCall for many calls (a take batch's) in one transaction: one result per call, in order;
  // an invalid call or an unknown job fails alone. An error of the whole (the database, a taken
  // provider call id): none was recorded.
  virtual Expected<std::vector<Expected<void>>> RecordCalls(
      const std::vector<CallRecord>& calls) = 0;
  virtual Expected<CallRecord> GetCall(const TenantId& tenant, const CallId& call) = 0;
  // The lookups without a tenant: a provider's webhook names only its own call id, the media
  // WebSocket only ours.
  virtual Expected<CallRecord> FindCallByProviderCallId(const std::string& provider_call_id) = 0;
  virtual Expected<CallRecord> FindCall(const CallId& call) = 0;
  virtual Expected<Page<CallRecord>> ListCalls(const TenantId& tenant, const CallFilter& filter,
                                               PageRequest page) = 0;
  // Stores the event as received; a new (provider call id, status) moves the call's status forward
  // if it is ahead (answered sets answered_at, completed sets ended_at and the duration). An event
  // behind the call's status is kept for audit but moves nothing. An answered event with an outcome
  // on an answered call without one (machine detection's voicemail verdict, the conversation's
  // verdict) sets that outcome: the first verdict stands.
  virtual Expected<CallEventResult> RecordCallEvent(const TenantId& tenant,
                                                    const CallEvent& event) = 0;
  // RecordCallEvent for events that arrived together (group commit) in one transaction: one
  // result per event, in order; an event of no known call fails alone (NotFound). An error of
  // the whole (the database): none was recorded.
  virtual Expected<std::vector<Expected<CallEventResult>>> RecordCallEvents(
      const std::vector<TenantCallEvent>& events) = 0;
  virtual Expected<std::vector<CallEvent>> ListCallEvents(const TenantId& tenant,
                                                          const CallId& call) = 0;
  // The calls placed to `phone_number` at or after `since` (e.g. now - 24 h).
  virtual Expected<NumberCallHistory> CallsToNumberSince(
      const TenantId& tenant, const std::string& phone_number, Instant since,
      const std::optional<CampaignId>& campaign = std::nullopt) = 0;
};

}  // namespace talky
