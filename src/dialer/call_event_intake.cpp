#include "dialer/call_event_intake.h"

#include <spdlog/spdlog.h>

namespace talky {

CallEventIntake::CallEventIntake(JobQueue& queue, DialerStores stores, const Clock& clock,
                                 CallEventIntakeOptions options)
    : stores_(stores),
      options_(options),
      completion_(queue, stores, clock, options.completion),
      event_writes_([this](const std::vector<TenantCallEvent>& events) {
        Expected<std::vector<Expected<CallEventResult>>> written =
            stores_.calls.RecordCallEvents(events);
        if (written) return std::move(*written);
        return std::vector<Expected<CallEventResult>>(events.size(),
                                                      std::unexpected(written.error()));
      }),
      completion_writes_(
          [this](const std::vector<EndedCall>& calls) { return completion_.CompleteMany(calls); }) {
  parked_thread_ = std::jthread([this](std::stop_token stop) { RetryParked(stop); });
}

CallEventIntake::~CallEventIntake() {
  parked_thread_.request_stop();
  parked_thread_.join();
  std::lock_guard lock(parked_mutex_);
  if (!parked_.empty()) {
    spdlog::warn("call events: {} event(s) waiting for their call to be recorded were dropped",
                 parked_.size());
  }
}

Expected<CallEventIntakeResult> CallEventIntake::Accept(const CallEvent& event) {
  Expected<CallEventIntakeResult> result = Apply(event, false);
  Count(result);
  return result;
}

Expected<CallEventIntakeResult> CallEventIntake::Apply(const CallEvent& received,
                                                       bool parked_retry) {
  if (received.provider_call_id.empty()) {
    return std::unexpected(Error::InvalidArgument("a call event must name the provider's call id",
                                                  {{"provider_call_id", "is required"}}));
  }
  Expected<CallRecord> call = stores_.calls.FindCallByProviderCallId(received.provider_call_id);
  if (!call) {
    // Our id in the event says we placed this call: its record may be on its way.
    if (call.error().code == ErrorCode::kNotFound && !received.call_id.empty() && !parked_retry &&
        Park(received)) {
      return CallEventIntakeResult{
          .call = CallRecord{.id = received.call_id, .provider_call_id = received.provider_call_id},
          .effect = CallEventEffect::kParked};
    }
    return std::unexpected(call.error());
  }
  if (!received.call_id.empty() && received.call_id != call->id) {
    // Our id travels in the event URL: a mismatch is a forged or misrouted event.
    return std::unexpected(Error::NotFound("call '" + received.call_id.value +
                                           "' has no provider call id '" +
                                           received.provider_call_id + "'"));
  }
  CallEvent event = received;
  event.call_id = call->id;
  if (event.status != CallStatus::kCompleted) {
    return RecordOnly(*call, event, CallEventEffect::kRecorded);
  }
  // A verdict given after the answer decides how the plain end of an answered call counts: the
  // provider judged it a machine (voicemail, retried by the tenant's policy), or the conversation
  // reached its goal, missed it, or the callee opted out (do_not_call).
  return AcceptFinal(*call, WithVerdict(std::move(event), call->outcome));
}

bool CallEventIntake::Park(const CallEvent& event) {
  {
    std::lock_guard lock(parked_mutex_);
    if (parked_.size() >= options_.max_parked) {
      spdlog::warn(
          "call events: {} events already wait for their calls; event of call {} is "
          "not parked",
          parked_.size(), event.call_id.value);
      return false;
    }
    parked_.push_back(
        {.event = event,
         .give_up = std::chrono::steady_clock::now() + options_.unrecorded_call_grace});
    waited_for_record_.fetch_add(1, std::memory_order_relaxed);
    awaiting_record_.fetch_add(1, std::memory_order_relaxed);
  }
  parked_changed_.notify_one();
  return true;
}

void CallEventIntake::RetryParked(std::stop_token stop) {
  std::unique_lock lock(parked_mutex_);
  while (!stop.stop_requested()) {
    if (!parked_changed_.wait(lock, stop, [this] { return !parked_.empty(); })) return;
    // A call is recorded within moments of its first event, so the parked look again in steps.
    parked_changed_.wait_for(lock, stop, options_.unrecorded_call_step, [] { return false; });
    if (stop.stop_requested()) return;
    std::deque<Parked> batch;
    batch.swap(parked_);
    lock.unlock();
    std::deque<Parked> still_waiting;
    for (Parked& parked : batch) {
      Expected<CallRecord> call =
          stores_.calls.FindCallByProviderCallId(parked.event.provider_call_id);
      if (!call && std::chrono::steady_clock::now() < parked.give_up) {
        still_waiting.push_back(std::move(parked));
        continue;
      }
      Expected<CallEventIntakeResult> result =
          call ? Apply(parked.event, true) : std::unexpected(call.error());
      Count(result);
      awaiting_record_.fetch_sub(1, std::memory_order_relaxed);
      if (!result) {
        spdlog::warn(
            "call events: event {} of call {} (provider call {}) dropped after waiting "
            "for its record: {}",
            ToString(parked.event.status), parked.event.call_id.value,
            parked.event.provider_call_id, result.error().message);
      }
    }
    lock.lock();
    for (Parked& parked : still_waiting) parked_.push_back(std::move(parked));
  }
}

Expected<CallEventIntakeResult> CallEventIntake::AcceptFinal(const CallRecord& call,
                                                             const CallEvent& event) {
  Expected<DialerJob> job = stores_.jobs.GetJob(call.tenant_id, call.job_id);
  if (!job) return std::unexpected(job.error());
  // The job is still on this call's attempt only while it is processing with this call's id (the
  // worker writes the id when it takes the job); anything else is a late or repeated event.
  if (job->status != JobStatus::kProcessing || job->call_id != call.id) {
    return RecordOnly(call, event, CallEventEffect::kAlreadyComplete);
  }
  if (call.lease_token.empty()) {
    spdlog::warn(
        "call events: call {} carries no lease token: its job is completed in the store and "
        "comes back from the queue when the worker's lease expires",
        call.id.value);
  }
  Expected<RetryPolicy> policy = completion_.RetryPolicyOf(job->tenant_id);
  if (!policy) return std::unexpected(policy.error());
  Expected<CallCompletionResult> completed =
      completion_writes_.Submit({.job = *job,
                                 .lease = Lease{.job_id = job->job_id, .token = call.lease_token},
                                 .final_event = event,
                                 .policy = *policy});
  if (!completed) {
    // Another thread or process closed the attempt first: this event is then only for audit.
    if (completed.error().code == ErrorCode::kConflict) {
      return RecordOnly(call, event, CallEventEffect::kAlreadyComplete);
    }
    return std::unexpected(completed.error());
  }
  if (completed->duplicate_event) {
    return CallEventIntakeResult{.call = call, .effect = CallEventEffect::kDuplicate};
  }
  return CallEventIntakeResult{
      .call = call, .effect = CallEventEffect::kCompleted, .job_status = completed->job_status};
}

Expected<CallEventIntakeResult> CallEventIntake::RecordOnly(const CallRecord& call,
                                                            const CallEvent& event,
                                                            CallEventEffect effect_if_new) {
  Expected<CallEventResult> recorded =
      event_writes_.Submit({.tenant = call.tenant_id, .event = event});
  if (!recorded) return std::unexpected(recorded.error());
  return CallEventIntakeResult{
      .call = recorded->call,
      .effect = recorded->duplicate ? CallEventEffect::kDuplicate : effect_if_new};
}

void CallEventIntake::OnCallEvent(const CallEvent& event) {
  Expected<CallEventIntakeResult> result = Accept(event);
  if (!result) {
    spdlog::warn("call events: event {} of provider call {} dropped: {}", ToString(event.status),
                 event.provider_call_id, result.error().message);
  }
}

void CallEventIntake::Count(const Expected<CallEventIntakeResult>& result) {
  if (!result) {
    (result.error().code == ErrorCode::kNotFound ? unknown_calls_ : failed_)
        .fetch_add(1, std::memory_order_relaxed);
    return;
  }
  switch (result->effect) {
    case CallEventEffect::kRecorded:
      recorded_.fetch_add(1, std::memory_order_relaxed);
      return;
    case CallEventEffect::kDuplicate:
      duplicates_.fetch_add(1, std::memory_order_relaxed);
      return;
    case CallEventEffect::kCompleted:
      completed_.fetch_add(1, std::memory_order_relaxed);
      return;
    case CallEventEffect::kAlreadyComplete:
      already_complete_.fetch_add(1, std::memory_order_relaxed);
      return;
    case CallEventEffect::kParked:
      return;  // counted when its call is found or given up on
  }
}

CallEventIntakeStats CallEventIntake::Stats() const {
  return {.recorded = recorded_.load(),
          .duplicates = duplicates_.load(),
          .completed = completed_.load(),
          .already_complete = already_complete_.load(),
          .unknown_calls = unknown_calls_.load(),
          .waited_for_record = waited_for_record_.load(),
          .awaiting_record = awaiting_record_.load(),
          .failed = failed_.load()};
}

}  // namespace talky
