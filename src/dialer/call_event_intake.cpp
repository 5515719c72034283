#include "dialer/call_event_intake.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace talky {

CallEventIntake::CallEventIntake(JobQueue& queue, Store& store, const Clock& clock,
                                 CallEventIntakeOptions options)
    : store_(store), options_(options), completion_(queue, store, clock, options.completion) {}

Expected<CallRecord> CallEventIntake::FindCall(const CallEvent& event) {
  const auto give_up = std::chrono::steady_clock::now() + options_.unrecorded_call_grace;
  for (bool waited = false;; waited = true) {
    Expected<CallRecord> call = store_.FindCallByProviderCallId(event.provider_call_id);
    if (call || call.error().code != ErrorCode::kNotFound || event.call_id.empty() ||
        std::chrono::steady_clock::now() >= give_up) {
      return call;
    }
    if (!waited) waited_for_record_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(options_.unrecorded_call_step);
  }
}

Expected<CallEventIntakeResult> CallEventIntake::Accept(const CallEvent& event) {
  Expected<CallEventIntakeResult> result = Apply(event);
  Count(result);
  return result;
}

Expected<CallEventIntakeResult> CallEventIntake::Apply(const CallEvent& received) {
  if (received.provider_call_id.empty()) {
    return std::unexpected(Error::InvalidArgument("a call event must name the provider's call id",
                                                  {{"provider_call_id", "is required"}}));
  }
  Expected<CallRecord> call = FindCall(received);
  if (!call) return std::unexpected(call.error());
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
  return AcceptFinal(*call, event);
}

Expected<CallEventIntakeResult> CallEventIntake::AcceptFinal(const CallRecord& call,
                                                             const CallEvent& event) {
  Expected<DialerJob> job = store_.GetJob(call.tenant_id, call.job_id);
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
  Expected<CallCompletionResult> completed =
      completion_.Complete(*job, Lease{.job_id = job->job_id, .token = call.lease_token}, event);
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
  Expected<CallEventResult> recorded = store_.RecordCallEvent(call.tenant_id, event);
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
  }
}

CallEventIntakeStats CallEventIntake::Stats() const {
  return {.recorded = recorded_.load(),
          .duplicates = duplicates_.load(),
          .completed = completed_.load(),
          .already_complete = already_complete_.load(),
          .unknown_calls = unknown_calls_.load(),
          .waited_for_record = waited_for_record_.load(),
          .failed = failed_.load()};
}

}  // namespace talky
