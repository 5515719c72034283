#include "dialer/dialer_worker.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "dialer/call_facts.h"

namespace talky {
namespace {

// Tenant and campaign settings change rarely; a worker re-reads them this often.
constexpr std::chrono::seconds kContextTtl{30};
// After a drain's hang-ups, how long the last events may take to arrive.
constexpr std::chrono::seconds kHangupGrace{5};
// Jobs taken in one step: their processing marks and call records are written together.
constexpr std::size_t kTakeBatch = 32;

// calling_config.voicemail.detect (default on): the provider's machine detection, where it has
// one, beside our own on the media (voice/answering_machine_detector.h).
bool DetectsMachines(const Campaign& campaign) {
  const nlohmann::json& config = campaign.calling_config;
  if (!config.is_object() || !config.contains("voicemail")) return true;
  const nlohmann::json& voicemail = config["voicemail"];
  return !voicemail.is_object() || voicemail.value("detect", true);
}

std::string CallerIdOf(const Campaign& campaign, const Tenant& tenant,
                       const std::string& fallback) {
  if (campaign.calling_config.is_object()) {
    auto it = campaign.calling_config.find("caller_id");
    if (it != campaign.calling_config.end() && it->is_string()) return it->get<std::string>();
  }
  return tenant.rules.caller_id.value_or(fallback);
}

}  // namespace

struct DialerWorker::TenantContext {
  Tenant tenant;
  Campaign campaign;
  TenantCallingPolicy policy;
  std::string caller_id;
  Instant loaded_at{};
};

// A call in flight. `mutex` orders its events; events that arrive before the call is recorded in
// the store (the provider can be quicker than Originate's return) wait in `early_events`.
struct DialerWorker::Call {
  std::mutex mutex;
  DialerJob job;
  Lease lease;
  std::shared_ptr<const TenantContext> context;
  CallRecord record;
  bool recorded = false;
  // The store could not take the call record when the call was placed: written before anything
  // else of the call (its events and completion need it).
  bool record_unsaved = false;
  bool done = false;
  // Its completion waits in (or is being written by) the committer's group.
  bool completing = false;
  std::vector<CallEvent> early_events;
  // Progress events not stored yet: written with the completion, or by the lease keeper when the
  // call lasts (a transaction per event would bound the whole process's call rate).
  std::vector<CallEvent> unsaved_events;
  // The final event, while the store cannot take the completion: the lease keeper keeps the lease
  // and tries again, so an outcome reached during a database outage is not lost.
  std::optional<CallEvent> unsaved_final;
};

DialerWorker::DialerWorker(JobQueue& queue, DialerStores stores, const Clock& clock,
                           IdGenerator& ids, DialerWorkerOptions options)
    : queue_(queue),
      stores_(stores),
      clock_(clock),
      ids_(ids),
      options_(std::move(options)),
      completion_(queue, stores, clock) {}

DialerWorker::~DialerWorker() = default;

int DialerWorker::CallsInFlight() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(calls_.size());
}

DialerWorkerStats DialerWorker::Stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void DialerWorker::Run(std::stop_token stop) {
  std::jthread committer(
      [this](std::stop_token committer_stop) { CommitCompletions(committer_stop); });
  std::jthread lease_keeper([this](std::stop_token keeper_stop) { KeepLeasesAlive(keeper_stop); });
  while (!stop.stop_requested()) {
    std::size_t free_slots = 0;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, stop,
                    [&] { return static_cast<int>(calls_.size()) < options_.max_calls_in_flight; });
      free_slots = static_cast<std::size_t>(options_.max_calls_in_flight) - calls_.size();
    }
    if (stop.stop_requested()) break;
    Expected<std::vector<TakenJob>> taken =
        queue_.TakeBatch(std::min(free_slots, kTakeBatch), options_.lease);
    if (!taken) {
      spdlog::warn("dialer: taking a job failed: {}", taken.error().message);
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, stop, options_.idle_wait, [] { return false; });
      continue;
    }
    if (taken->empty()) {
      if (Expected<void> waited = queue_.WaitForWork(options_.idle_wait); !waited) {
        spdlog::warn("dialer: waiting for work failed: {}", waited.error().message);
      }
      continue;
    }
    ProcessBatch(std::move(*taken));
  }
  Drain();
  lease_keeper.request_stop();
  lease_keeper.join();
  committer.request_stop();  // after the drain: the calls' last completions are written first
}

Expected<std::shared_ptr<const DialerWorker::TenantContext>> DialerWorker::ContextFor(
    const TenantId& tenant_id, const CampaignId& campaign_id) {
  const Instant now = clock_.Now();
  {
    std::lock_guard lock(mutex_);
    auto it = contexts_.find({tenant_id, campaign_id});
    if (it != contexts_.end() && now - it->second->loaded_at < kContextTtl) return it->second;
  }
  Expected<Tenant> tenant = stores_.tenants.GetTenant(tenant_id);
  if (!tenant) return std::unexpected(tenant.error());
  Expected<Campaign> campaign = stores_.campaigns.GetCampaign(tenant_id, campaign_id);
  if (!campaign) return std::unexpected(campaign.error());
  TenantCallingPolicy policy = CallingPolicyOf(*tenant, *campaign);
  auto context = std::make_shared<TenantContext>(
      TenantContext{.tenant = *tenant,
                    .campaign = *campaign,
                    .policy = std::move(policy),
                    .caller_id = CallerIdOf(*campaign, *tenant, options_.default_caller_id),
                    .loaded_at = now});
  // The queue's caps and priority lane follow the tenant's and the campaign's settings; a cap
  // that could not be set must not let more calls out than the tenant allows.
  if (Expected<void> set = queue_.SetTenantLimits(
          tenant_id, {.max_concurrent_calls = tenant->rules.max_concurrent_calls,
                      .high_priority_threshold = tenant->rules.high_priority_threshold});
      !set) {
    return std::unexpected(set.error());
  }
  if (Expected<void> set = queue_.SetCampaignLimit(campaign_id, campaign->max_concurrent_calls);
      !set) {
    return std::unexpected(set.error());
  }
  std::lock_guard lock(mutex_);
  contexts_[{tenant_id, campaign_id}] = context;
  return context;
}

void DialerWorker::ProcessBatch(std::vector<TakenJob> batch) {
  // The processing marks of the whole batch in one transaction (one commit to wait for).
  std::vector<Marking> markings;
  for (TakenJob& taken : batch) {
    if (std::optional<Marking> marking = PrepareMark(std::move(taken))) {
      markings.push_back(std::move(*marking));
    }
  }
  if (markings.empty()) return;
  std::vector<JobUpdate> updates;
  updates.reserve(markings.size());
  for (const Marking& marking : markings) {
    updates.push_back(
        {.tenant = marking.job.tenant_id, .expected = marking.stored_status, .next = marking.job});
  }
  Expected<std::vector<Expected<void>>> marked = stores_.jobs.UpdateJobs(updates);
  std::vector<std::shared_ptr<Call>> started;
  for (std::size_t i = 0; i < markings.size(); ++i) {
    Marking& marking = markings[i];
    const Expected<void> mark = marked ? (*marked)[i] : std::unexpected(marked.error());
    if (!mark) {
      if (mark.error().code != ErrorCode::kConflict) {
        PostponeInQueue(marking.taken, mark.error());
        continue;
      }
      // Another worker holds it (the lease expired while this one was slow): leave it to them.
      spdlog::warn("dialer: job {} not taken: {}", marking.job.job_id.value, mark.error().message);
      FinishInQueue(marking.taken.lease, FinishOutcome::kCompleted);
      continue;
    }
    if (std::shared_ptr<Call> call =
            CheckAndOriginate(std::move(marking.taken), std::move(marking.job))) {
      started.push_back(std::move(call));
    }
  }
  if (!started.empty()) RecordStartedCalls(started);
}

std::optional<DialerWorker::Marking> DialerWorker::PrepareMark(TakenJob taken) {
  const DialerJob& queued = taken.job;
  // The store is the record: a job closed there (a cancelled campaign, a duplicate) or gone from
  // it is dropped.
  Expected<DialerJob> stored = stores_.jobs.GetJob(queued.tenant_id, queued.job_id);
  if (!stored && stored.error().code != ErrorCode::kNotFound) {
    PostponeInQueue(taken, stored.error());
    return std::nullopt;
  }
  if (!stored || IsFinal(stored->status)) {
    if (!stored) spdlog::warn("dialer: job {}: {}", queued.job_id.value, stored.error().message);
    FinishInQueue(taken.lease, FinishOutcome::kCompleted);
    return std::nullopt;
  }
  if (stored->status == JobStatus::kProcessing) {
    Expected<bool> closed = CloseLostCall(taken, *stored);
    if (!closed) {
      PostponeInQueue(taken, closed.error());
      return std::nullopt;
    }
    if (*closed) return std::nullopt;
  }
  DialerJob job = *stored;
  job.status = JobStatus::kProcessing;
  job.processed_at = clock_.Now();
  // The attempt's call id is written with the processing mark: a webhook in another process then
  // completes the job only while it is on this very call (a late event of an earlier attempt
  // cannot close a later one). A deferral or refusal puts the previous id back (kept in `taken`).
  taken.job.call_id = stored->call_id;
  job.call_id = CallId{ids_.Next()};
  return Marking{.taken = std::move(taken), .stored_status = stored->status, .job = std::move(job)};
}

std::shared_ptr<DialerWorker::Call> DialerWorker::CheckAndOriginate(TakenJob taken, DialerJob job) {
  // Every check the rules name is made, or nothing is dialed (compliance fails closed).
  Expected<std::shared_ptr<const TenantContext>> context =
      ContextFor(job.tenant_id, job.campaign_id);
  if (!context) {
    DeferForStore(taken, std::move(job), context.error());
    return nullptr;
  }
  const Instant now = clock_.Now();
  Expected<CallFacts> facts = ReadCallFacts(stores_, job, now);
  if (!facts) {
    DeferForStore(taken, std::move(job), facts.error());
    return nullptr;
  }
  Expected<CallDecision> decision =
      CanCall(job, facts->lead, (*context)->policy, facts->history, now);
  if (!decision) {
    // The tenant's own rules are invalid: nothing can be decided until they are fixed.
    Defer(taken, job, now + std::chrono::hours(1), "invalid_tenant_rules");
    spdlog::warn("dialer: tenant {}: {}", job.tenant_id.value, decision.error().message);
    return nullptr;
  }
  switch (decision->verdict) {
    case CallVerdict::kNotNow:
      Defer(taken, job, *decision->next_allowed_at, decision->reason);
      return nullptr;
    case CallVerdict::kNever:
      Refuse(taken, job, decision->reason);
      return nullptr;
    case CallVerdict::kAllowed:
      break;
  }
  return StartCall(std::move(taken), std::move(job), *context);
}

void DialerWorker::PostponeInQueue(const TakenJob& taken, const Error& error) {
  const Instant until = clock_.Now() + options_.provider_retry_delay;
  DialerJob job = taken.job;
  job.status = JobStatus::kSkipped;
  job.scheduled_at = until;
  job.last_error = std::string(kStoreUnavailable);
  spdlog::warn("dialer: job {} waits {} ms, the store did not answer: {}", job.job_id.value,
               options_.provider_retry_delay.count(), error.message);
  if (Expected<void> scheduled = queue_.ScheduleRetry(taken.lease, job, until); !scheduled) {
    // The lease then expires and the queue hands the job out again.
    spdlog::warn("dialer: job {} not postponed: {}", job.job_id.value, scheduled.error().message);
  }
  std::lock_guard lock(mutex_);
  ++stats_.jobs_deferred;
  ++stats_.store_errors;
}

void DialerWorker::DeferForStore(const TakenJob& taken, DialerJob job, const Error& error) {
  spdlog::warn("dialer: job {} deferred, a check could not be made: {}", job.job_id.value,
               error.message);
  Defer(taken, std::move(job), clock_.Now() + options_.provider_retry_delay,
        std::string(kStoreUnavailable));
  std::lock_guard lock(mutex_);
  ++stats_.store_errors;
}

void DialerWorker::FinishInQueue(const Lease& lease, FinishOutcome outcome) {
  if (Expected<void> finished = queue_.Finish(lease, outcome); !finished) {
    // The lease then expires and the worker that takes the job again sees it closed.
    spdlog::warn("dialer: job {} not finished in the queue: {}", lease.job_id.value,
                 finished.error().message);
  }
}

Expected<bool> DialerWorker::CloseLostCall(const TakenJob& taken, const DialerJob& stored) {
  if (!stored.call_id) return false;
  // No record: the worker died before the call was placed (or recorded); dialing again is right.
  Expected<CallRecord> call = stores_.calls.GetCall(stored.tenant_id, *stored.call_id);
  if (!call && call.error().code == ErrorCode::kNotFound) return false;
  if (!call) return std::unexpected(call.error());
  if (call->status == CallStatus::kCompleted) return false;
  Expected<std::shared_ptr<const TenantContext>> context =
      ContextFor(stored.tenant_id, stored.campaign_id);
  if (!context) return std::unexpected(context.error());
  // The provider may still have the call up (a real one outlives our process): end it.
  if (!call->provider_call_id.empty()) (void)provider_->Hangup(call->provider_call_id);
  const CallEvent lost{.call_id = call->id,
                       .provider_call_id = call->provider_call_id,
                       .status = CallStatus::kCompleted,
                       .outcome = CallOutcome::kFailed,
                       .occurred_at = clock_.Now(),
                       .payload = {{"status", "completed"}, {"reason", "worker_lost"}}};
  Expected<CallCompletionResult> completed =
      completion_.Complete(stored, taken.lease, lost, (*context)->tenant.rules.retry_policy());
  if (!completed) {
    // Nothing was written; the job comes back through its lease and this is tried again.
    spdlog::warn("dialer: closing the lost call {} of job {} failed: {}", call->id.value,
                 stored.job_id.value, completed.error().message);
    return true;
  }
  spdlog::info("dialer: job {}: call {} of a lost worker ended as failed; the job is now {}",
               stored.job_id.value, call->id.value, ToString(completed->job_status));
  std::lock_guard lock(mutex_);
  ++stats_.lost_calls_closed;
  return true;
}

void DialerWorker::Defer(const TakenJob& taken, DialerJob job, Instant until,
                         const std::string& reason) {
  job.status = JobStatus::kSkipped;
  job.call_id = taken.job.call_id;
  job.scheduled_at = until;
  job.last_error = reason;
  if (Expected<void> updated = stores_.jobs.UpdateJob(job.tenant_id, JobStatus::kProcessing, job);
      !updated) {
    spdlog::warn("dialer: job {}: {}", job.job_id.value, updated.error().message);
  }
  if (Expected<void> scheduled = queue_.ScheduleRetry(taken.lease, job, until); !scheduled) {
    spdlog::warn("dialer: job {} not deferred: {}", job.job_id.value, scheduled.error().message);
  }
  std::lock_guard lock(mutex_);
  ++stats_.jobs_deferred;
}

void DialerWorker::Refuse(const TakenJob& taken, DialerJob job, const std::string& reason) {
  job.status = JobStatus::kNonRetryable;
  job.call_id = taken.job.call_id;
  job.completed_at = clock_.Now();
  job.last_error = reason;
  if (Expected<void> updated = stores_.jobs.UpdateJob(job.tenant_id, JobStatus::kProcessing, job);
      !updated) {
    // The store still holds the job open: it must stay in the queue, to be refused again later.
    if (updated.error().code != ErrorCode::kConflict)
      return PostponeInQueue(taken, updated.error());
    spdlog::warn("dialer: job {}: {}", job.job_id.value, updated.error().message);
  }
  FinishInQueue(taken.lease, FinishOutcome::kFailed);
  {
    std::lock_guard lock(mutex_);
    ++stats_.jobs_refused;
  }
  completion_.CloseCampaignIfDone(job.tenant_id, job.campaign_id);
}

std::shared_ptr<DialerWorker::Call> DialerWorker::StartCall(
    TakenJob taken, DialerJob job, std::shared_ptr<const TenantContext> context) {
  auto call = std::make_shared<Call>();
  call->job = job;
  call->lease = taken.lease;
  call->context = context;
  call->record = CallRecord{.id = *job.call_id,
                            .tenant_id = job.tenant_id,
                            .campaign_id = job.campaign_id,
                            .lead_id = job.lead_id,
                            .job_id = job.job_id,
                            .to_number = job.phone_number,
                            .caller_id = context->caller_id,
                            .created_at = clock_.Now(),
                            .lease_token = taken.lease.token};
  {
    std::lock_guard lock(mutex_);
    calls_[call->record.id] = call;
  }
  Expected<std::string> provider_id =
      provider_->Originate({.call_id = call->record.id,
                            .to = job.phone_number,
                            .from = context->caller_id,
                            .attempt_number = job.attempt_number,
                            .machine_detection = DetectsMachines(context->campaign)});
  if (!provider_id) {
    Forget(call->record.id);
    if (provider_id.error().code == ErrorCode::kInvalidArgument) {
      Refuse(taken, job, "provider_refused: " + provider_id.error().message);
    } else {
      Defer(taken, job, clock_.Now() + options_.provider_retry_delay, "provider_unavailable");
    }
    return nullptr;
  }
  std::lock_guard call_lock(call->mutex);
  call->record.provider_call_id = *provider_id;
  call->record_unsaved = true;
  return call;
}

void DialerWorker::RecordStartedCalls(const std::vector<std::shared_ptr<Call>>& calls) {
  std::vector<CallRecord> records;
  records.reserve(calls.size());
  for (const std::shared_ptr<Call>& call : calls) {
    std::lock_guard call_lock(call->mutex);
    records.push_back(call->record);
  }
  // One transaction for the batch; if the database refuses it whole, each call is tried alone
  // (and one the store cannot take now is written before anything else of it: SaveRecord).
  Expected<std::vector<Expected<void>>> recorded = stores_.calls.RecordCalls(records);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    Call& call = *calls[i];
    std::lock_guard call_lock(call.mutex);
    if (!recorded) {
      SaveRecord(call);
    } else {
      if (!(*recorded)[i]) {
        spdlog::warn("dialer: call {} not recorded: {}", call.record.id.value,
                     (*recorded)[i].error().message);
      }
      call.record_unsaved = false;
    }
    call.recorded = true;
    {
      std::lock_guard lock(mutex_);
      ++stats_.calls_started;
    }
    std::vector<CallEvent> early = std::move(call.early_events);
    for (const CallEvent& event : early) ApplyEvent(call, event);
  }
}

void DialerWorker::OnCallEvent(const CallEvent& event) {
  std::shared_ptr<Call> call;
  {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(event.call_id);
    if (it == calls_.end()) return;  // not ours, or already closed: a repeat changes nothing
    call = it->second;
  }
  std::lock_guard call_lock(call->mutex);
  if (!call->recorded) {
    call->early_events.push_back(event);
    return;
  }
  ApplyEvent(*call, event);
}

// With the call's lock held.
void DialerWorker::ApplyEvent(Call& call, const CallEvent& event) {
  if (call.done) return;
  if (event.status != CallStatus::kCompleted) {
    call.unsaved_events.push_back(event);
    return;
  }
  Complete(call, event);
}

// With the call's lock held.
bool DialerWorker::SaveRecord(Call& call) {
  if (!call.record_unsaved) return true;
  Expected<void> recorded = stores_.calls.RecordCall(call.record);
  if (!recorded && recorded.error().code == ErrorCode::kUnavailable) {
    spdlog::warn("dialer: call {} not recorded yet: {}", call.record.id.value,
                 recorded.error().message);
    return false;
  }
  if (!recorded) {
    spdlog::warn("dialer: call {} not recorded: {}", call.record.id.value,
                 recorded.error().message);
  }
  call.record_unsaved = false;
  return true;
}

// With the call's lock held: the plain end of an answered call counts as the verdict that its
// conversation recorded in the store (the voice pipeline may run in another process).
Expected<CallEvent> DialerWorker::WithStoredVerdict(const Call& call, const CallEvent& event) {
  if (event.outcome != CallOutcome::kGoalNotAchieved) return event;
  Expected<CallRecord> stored = stores_.calls.FindCall(call.record.id);
  if (!stored && stored.error().code == ErrorCode::kUnavailable) {
    return std::unexpected(stored.error());  // retried, as a completion the store cannot take
  }
  if (!stored) {
    spdlog::warn("dialer: call {}: its verdict cannot be read ({}); it ends as reported",
                 call.record.id.value, stored.error().message);
    return event;
  }
  return WithVerdict(event, stored->outcome);
}

// With the call's lock held: the completion waits for the committer's next group.
void DialerWorker::Complete(Call& call, const CallEvent& event) {
  if (call.completing) return;
  call.completing = true;
  std::lock_guard lock(mutex_);
  auto it = calls_.find(call.record.id);
  if (it == calls_.end()) return;
  pending_completions_.push_back({.call = it->second, .event = event});
  completions_waiting_.notify_one();
}

void DialerWorker::CommitCompletions(std::stop_token stop) {
  while (true) {
    std::vector<PendingCompletion> group;
    {
      std::unique_lock lock(mutex_);
      completions_waiting_.wait(lock, stop, [&] { return !pending_completions_.empty(); });
      if (pending_completions_.empty()) return;  // asked to stop, and nothing is left
      group.swap(pending_completions_);
    }
    CommitGroup(group);
  }
}

// The completions that arrived while the previous group was being written, written together.
void DialerWorker::CommitGroup(const std::vector<PendingCompletion>& group) {
  std::vector<EndedCall> requests;
  std::vector<const PendingCompletion*> requested;
  for (const PendingCompletion& pending : group) {
    Call& call = *pending.call;
    std::lock_guard call_lock(call.mutex);
    Expected<CallEvent> final_event =
        SaveRecord(call) ? WithStoredVerdict(call, pending.event)
                         : std::unexpected(Error::Unavailable("the call record is not stored yet"));
    if (!final_event) {
      Completed(call, pending.event, std::unexpected(final_event.error()));
      continue;
    }
    requests.push_back({.job = call.job,
                        .lease = call.lease,
                        .final_event = *final_event,
                        .policy = call.context->tenant.rules.retry_policy(),
                        .progress_events = call.unsaved_events});
    requested.push_back(&pending);
  }
  if (requests.empty()) return;
  std::vector<Expected<CallCompletionResult>> results = completion_.CompleteMany(requests);
  for (std::size_t i = 0; i < requested.size(); ++i) {
    Call& call = *requested[i]->call;
    std::lock_guard call_lock(call.mutex);
    Completed(call, requested[i]->event, results[i]);
  }
}

// With the call's lock held: what became of its completion.
void DialerWorker::Completed(Call& call, const CallEvent& event,
                             const Expected<CallCompletionResult>& completed) {
  call.completing = false;
  if (call.done) return;  // let go meanwhile (the lease keeper found the lease gone)
  if (!completed && completed.error().code == ErrorCode::kUnavailable) {
    if (!call.unsaved_final) {
      spdlog::warn("dialer: call {} ended but the store cannot take it ({}); retrying",
                   call.record.id.value, completed.error().message);
    }
    call.unsaved_final = event;
    std::lock_guard lock(mutex_);
    ++stats_.completions_retried;
    return;
  }
  call.done = true;
  if (!completed) {
    // Nothing was written: the job stays processing in the store and comes back through its
    // lease, which is then no longer extended (or another process completed it: kConflict).
    spdlog::warn("dialer: completing call {} failed: {}", call.record.id.value,
                 completed.error().message);
  }
  Forget(call.record.id);
  std::lock_guard lock(mutex_);
  ++stats_.calls_completed;
}

// With the call's lock held: the lease keeper found the job's lease gone.
void DialerWorker::SaveProgress(Call& call) {
  std::vector<CallEvent> kept;  // the store could not take them now: tried again later
  for (CallEvent& event : call.unsaved_events) {
    Expected<CallEventResult> recorded = stores_.calls.RecordCallEvent(call.job.tenant_id, event);
    if (recorded) continue;
    spdlog::warn("dialer: event of call {}: {}", call.record.id.value, recorded.error().message);
    if (recorded.error().code == ErrorCode::kUnavailable) kept.push_back(std::move(event));
  }
  call.unsaved_events = std::move(kept);
}

void DialerWorker::LetGo(Call& call, const Error& extend_error) {
  call.done = true;
  SaveProgress(call);
  Expected<DialerJob> job = stores_.jobs.GetJob(call.job.tenant_id, call.job.job_id);
  const bool closed_elsewhere =
      job && (job->status != JobStatus::kProcessing || job->call_id != call.record.id);
  if (closed_elsewhere) {
    spdlog::info("dialer: job {} was closed elsewhere ({}): call {} forgotten",
                 call.job.job_id.value, ToString(job->status), call.record.id.value);
  } else {
    spdlog::warn(
        "dialer: lease of job {} lost ({}): call {} forgotten, the job comes back from "
        "the queue",
        call.job.job_id.value, extend_error.message, call.record.id.value);
  }
  Forget(call.record.id);
  std::lock_guard lock(mutex_);
  ++(closed_elsewhere ? stats_.calls_closed_elsewhere : stats_.leases_lost);
}

void DialerWorker::Forget(const CallId& call_id) {
  std::lock_guard lock(mutex_);
  calls_.erase(call_id);
  changed_.notify_all();
}

void DialerWorker::KeepLeasesAlive(std::stop_token stop) {
  std::mutex sleep_mutex;
  std::condition_variable_any sleeper;
  while (true) {
    std::unique_lock sleep_lock(sleep_mutex);
    // The lease runs on the clock, which may run faster than real time (talky run --speed).
    if (sleeper.wait_for(sleep_lock, stop, clock_.RealWaitFor(options_.lease / 3),
                         [] { return false; })) {
      break;
    }
    if (stop.stop_requested()) break;
    std::vector<std::shared_ptr<Call>> calls;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, call] : calls_) calls.push_back(call);
    }
    for (const std::shared_ptr<Call>& call : calls) {
      std::lock_guard call_lock(call->mutex);
      // A completion in the committer's group is written and released within moments: its lease
      // may be gone from the queue already. A call not yet through RecordStartedCalls is the run
      // loop's to record (writing it here too would record it twice); its lease is fresh.
      if (call->done || call->completing || !call->recorded) continue;
      if (SaveRecord(*call) && !call->unsaved_final) SaveProgress(*call);
      Expected<Lease> extended = queue_.ExtendLease(call->lease, options_.lease);
      if (extended) {
        call->lease = *extended;
        if (call->unsaved_final) Complete(*call, *call->unsaved_final);
      } else if (extended.error().code == ErrorCode::kConflict) {
        LetGo(*call, extended.error());
      } else {
        spdlog::warn("dialer: extending the lease of job {} failed: {}", call->job.job_id.value,
                     extended.error().message);
      }
    }
  }
}

void DialerWorker::Drain() {
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::unique_lock lock(mutex_);
    if (changed_.wait_for(lock, options_.drain_timeout, [&] { return calls_.empty(); })) return;
    for (const auto& [id, call] : calls_) calls.push_back(call);
  }
  // Lock order is call, then worker (as in Complete), so each call is locked on its own.
  std::vector<std::string> provider_ids;
  for (const std::shared_ptr<Call>& call : calls) {
    std::lock_guard call_lock(call->mutex);
    if (!call->record.provider_call_id.empty())
      provider_ids.push_back(call->record.provider_call_id);
  }
  spdlog::warn("dialer: drain timeout: hanging up {} calls", provider_ids.size());
  for (const std::string& id : provider_ids) (void)provider_->Hangup(id);
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, kHangupGrace, [&] { return calls_.empty(); });
}

}  // namespace talky
