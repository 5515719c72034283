// Takes provider call events from anywhere (a webhook at `talky serve`, usually in another process
// than the worker that originated the call) and applies them: finds our call (by the provider's
// call id; our call id, when the event names it, must agree), records a progress event, and runs
// the attempt's completion (CallCompletion) on the final one with the lease the call record
// carries. The worker that holds the lease notices at its next extension that the job was closed
// and frees its slot.
//
// Group commit: events (and completions) accepted on many threads at once are written in one
// transaction (GroupCommit), and Accept returns only once its own was written.
//
// Idempotent: the store deduplicates events by (provider call id, status) and moves a call only
// forward, and the completion writes only while the job is processing this very call, so a
// repeated or late event changes nothing.
//
// An event that names our call id but whose call is not recorded yet (Vonage can report a call
// before the worker that placed it has written the record) is parked, never waited for on the
// caller's thread: Accept returns at once (kParked) and the intake's own thread looks the call up
// again every `unrecorded_call_step` until `unrecorded_call_grace` has passed, then applies the
// event or counts it as unknown. A provider's retry cannot be relied on instead (Vonage sends a
// failed event to the fallback URL, not again). At most `max_parked` events wait; beyond that an
// event is unknown at once. Parked events are lost when the intake is destroyed (logged).
//
// Store, queue and clock must outlive it. Thread-safe: events of many calls (and repeats of one)
// may arrive on many threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "dialer/call_completion.h"
#include "dialer/group_commit.h"
#include "telephony/telephony_provider.h"

namespace talky {

enum class CallEventEffect {
  kRecorded,         // a progress event, stored (it moved the call if it was ahead)
  kDuplicate,        // seen before: nothing changed
  kCompleted,        // the final event: the attempt was closed (job, lead, campaign, queue)
  kAlreadyComplete,  // a final event after the attempt was closed: kept for audit, nothing moved
  kParked,           // its call is not recorded yet: applied later by the intake's thread
};

struct CallEventIntakeResult {
  CallRecord call;  // the call as found; on kParked only its id and provider call id
  CallEventEffect effect = CallEventEffect::kRecorded;
  std::optional<JobStatus> job_status;  // on kCompleted: what the job became
};

struct CallEventIntakeStats {
  int64_t recorded = 0;
  int64_t duplicates = 0;
  int64_t completed = 0;
  int64_t already_complete = 0;
  int64_t unknown_calls = 0;      // no such call: answered anyway (a provider retrying cannot help)
  int64_t waited_for_record = 0;  // events parked until their call is recorded
  int64_t awaiting_record = 0;    // of those, parked now
  int64_t failed = 0;             // the store or the queue could not be reached
};

struct CallEventIntakeOptions {
  CallCompletionOptions completion;
  // Vonage may report a call before the worker that placed it has recorded it (the worker writes
  // the record when Vonage's create-call answer comes back). An event that names our call id but
  // finds no record is parked and looked up again for this long (real time, in short steps, on
  // the intake's thread) before it is reported as unknown: a final event dropped here would leave
  // the job processing forever.
  std::chrono::milliseconds unrecorded_call_grace{1000};
  std::chrono::milliseconds unrecorded_call_step{20};
  std::size_t max_parked = 1000;
};

class CallEventIntake final : public CallEventSink {
 public:
  CallEventIntake(JobQueue& queue, DialerStores stores, const Clock& clock,
                  CallEventIntakeOptions options = {});
  // Stops the parking thread; events still parked are dropped (logged at warning).
  ~CallEventIntake() override;
  CallEventIntake(const CallEventIntake&) = delete;
  CallEventIntake& operator=(const CallEventIntake&) = delete;

  // Never waits for a call to be recorded (kParked instead). Errors: kNotFound (no call with this
  // provider call id and the event names none of ours, or it is not the call the event names, or
  // too many events are parked), kInvalidArgument (no provider call id), the store's own
  // (kUnavailable; nothing was written).
  Expected<CallEventIntakeResult> Accept(const CallEvent& event);

  // Accept, with errors logged at warning (Accept and OnCallEvent both count in Stats).
  void OnCallEvent(const CallEvent& event) override;

  CallEventIntakeStats Stats() const;

 private:
  struct Parked {
    CallEvent event;
    std::chrono::steady_clock::time_point give_up;
  };

  // `parked_retry`: the lookup is the parking thread's retry, which must not park again.
  Expected<CallEventIntakeResult> Apply(const CallEvent& event, bool parked_retry);
  // Whether the event was parked (false: too many are parked already).
  bool Park(const CallEvent& event);
  void RetryParked(std::stop_token stop);
  Expected<CallEventIntakeResult> AcceptFinal(const CallRecord& call, const CallEvent& event);
  Expected<CallEventIntakeResult> RecordOnly(const CallRecord& call, const CallEvent& event,
                                             CallEventEffect effect_if_new);
  void Count(const Expected<CallEventIntakeResult>& result);

  DialerStores stores_;
  CallEventIntakeOptions options_;
  CallCompletion completion_;
  // Events and completions that arrive together (a webhook's threads) are written together.
  GroupCommit<TenantCallEvent, Expected<CallEventResult>> event_writes_;
  GroupCommit<EndedCall, Expected<CallCompletionResult>> completion_writes_;

  std::atomic<int64_t> recorded_{0};
  std::atomic<int64_t> duplicates_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> already_complete_{0};
  std::atomic<int64_t> unknown_calls_{0};
  std::atomic<int64_t> waited_for_record_{0};
  std::atomic<int64_t> awaiting_record_{0};
  std::atomic<int64_t> failed_{0};

  std::mutex parked_mutex_;
  std::condition_variable_any parked_changed_;
  std::deque<Parked> parked_;   // guarded by parked_mutex_
  std::jthread parked_thread_;  // last: started once everything above exists
};

}  // namespace talky
