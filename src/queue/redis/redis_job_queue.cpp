#include "queue/redis/redis_job_queue.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "queue/queue_rules.h"
#include "queue/redis/detail/script_replies.h"
#include "queue/redis/job_encoding.h"
#include "queue/redis/lua_scripts.h"
#include "redis/redis_connection.h"

namespace talky {

using redis::Command;
using redis::ConnectionPool;
using redis::Reply;
using redis::ReplyView;
using redis_lua::FixedKey;
using redis_lua::Script;
using namespace std::chrono_literals;

namespace {

// How many due jobs one promote or recover script handles; the caller loops for more.
constexpr std::size_t kDueBatch = 256;
// How many leases one finish script call handles; a bigger batch is split into pipelined calls.
constexpr std::size_t kFinishChunk = 500;
// A take that meets a tenant it was not told about, or due work to move first, asks again; that
// would have to happen this many times in a row to give up.
constexpr int kMaxStaleTakes = 16;
// BLPOP times out on the server's clock tick (hz 10: up to 100 ms late), so the last stretch
// before a due instant is slept on the client, where the wake-up is precise. A wait bounded only
// by max_wait needs no precision and blocks in BLPOP to the end.
constexpr std::chrono::milliseconds kClientSideWait{150};

std::string Micros(Instant instant) { return std::to_string(instant.time_since_epoch().count()); }

// "the take script", for messages; a view that lives as long as the process.
std::string_view ScriptWhat(Script script) {
  static const std::array<std::string, redis_lua::kScriptCount> kWhat = [] {
    std::array<std::string, redis_lua::kScriptCount> what;
    for (std::size_t i = 0; i < what.size(); ++i) {
      what[i] = fmt::format("the {} script", redis_lua::ScriptName(static_cast<Script>(i)));
    }
    return what;
  }();
  return kWhat[static_cast<std::size_t>(script)];
}

// A script's reply that must be an integer (a count, or a status code).
Expected<std::int64_t> IntegerReply(const Reply& reply, Script script) {
  return ReplyView(reply, ScriptWhat(script)).Integer();
}
}  // namespace

class RedisJobQueue::Impl {
 public:
  Impl(const Clock& clock, RedisQueueOptions options, redis::RedisAddress address)
      : clock_(clock),
        options_(std::move(options)),
        pool_(std::move(address), {.connect_timeout = options_.connect_timeout,
                                   .command_timeout = options_.command_timeout,
                                   .first_backoff = options_.first_reconnect_backoff,
                                   .max_backoff = options_.max_reconnect_backoff}),
        rng_(SeedOrRandom(options_.seed)) {
    for (const redis_lua::FixedKeyName& key : redis_lua::kFixedKeys) {
      fixed_keys_.push_back(options_.key_prefix + std::string(key.suffix));
    }
  }

  const std::string& Key(FixedKey key) const { return fixed_keys_[static_cast<std::size_t>(key)]; }
  std::string TenantQueueKey(std::string_view tenant) const {
    return options_.key_prefix + "tenant:" + std::string(tenant) + ":queue";
  }

  Expected<void> LoadScripts() {
    Expected<ConnectionPool::Borrowed> connection = pool_.Acquire();
    if (!connection) return std::unexpected(connection.error());
    return LoadScripts(*connection);
  }

  Expected<void> LoadScripts(ConnectionPool::Borrowed& connection) {
    std::vector<Command> loads;
    for (std::size_t i = 0; i < redis_lua::kScriptCount; ++i) {
      loads.push_back({"SCRIPT", "LOAD", redis_lua::ScriptText(static_cast<Script>(i))});
    }
    Expected<std::vector<Reply>> replies = connection->Pipeline(loads);
    if (!replies) return std::unexpected(replies.error());
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < replies->size(); ++i) {
      const std::string what = fmt::format("loading {}", ScriptWhat(static_cast<Script>(i)));
      const ReplyView reply((*replies)[i], what);
      if (reply.IsError()) return std::unexpected(reply.ToError(what));
      Expected<std::string_view> sha = reply.Text();
      if (!sha) return std::unexpected(sha.error());
      shas_[i] = std::string(*sha);
    }
    return {};
  }

  Command EvalCommand(Script script, const std::vector<std::string>& extra_keys,
                      std::vector<std::string> args) const {
    Command command;
    command.reserve(3 + fixed_keys_.size() + extra_keys.size() + redis_lua::kCommonArgCount +
                    args.size());
    {
      std::lock_guard lock(mutex_);
      command.insert(command.end(), {"EVALSHA", shas_[static_cast<std::size_t>(script)]});
    }
    command.push_back(std::to_string(fixed_keys_.size() + extra_keys.size()));
    command.insert(command.end(), fixed_keys_.begin(), fixed_keys_.end());
    command.insert(command.end(), extra_keys.begin(), extra_keys.end());
    command.push_back(Micros(clock_.Now()));
    command.push_back(std::to_string(options_.default_tenant_limits.max_concurrent_calls));
    command.push_back(std::to_string(options_.default_tenant_limits.high_priority_threshold));
    command.push_back(std::to_string(options_.default_campaign_max_concurrent_calls));
    std::move(args.begin(), args.end(), std::back_inserter(command));
    return command;
  }

  // Runs script calls in one round trip; a call that met NOSCRIPT (Redis restarted and lost its
  // script cache) is sent again after reloading, which is safe because it did not run.
  Expected<std::vector<Reply>> EvalAll(const std::vector<Script>& scripts,
                                       const std::vector<Command>& commands) {
    Expected<ConnectionPool::Borrowed> connection = pool_.Acquire();
    if (!connection) return std::unexpected(connection.error());
    Expected<std::vector<Reply>> replies = (*connection)->Pipeline(commands);
    if (!replies) return std::unexpected(replies.error());
    std::vector<std::size_t> missing;
    for (std::size_t i = 0; i < replies->size(); ++i) {
      if (ReplyView((*replies)[i], "a script call").IsNoScript()) missing.push_back(i);
    }
    if (!missing.empty()) {
      if (Expected<void> loaded = LoadScripts(*connection); !loaded) {
        return std::unexpected(loaded.error());
      }
      std::vector<Command> again;
      for (std::size_t i : missing) again.push_back(commands[i]);
      Expected<std::vector<Reply>> retried = (*connection)->Pipeline(again);
      if (!retried) return std::unexpected(retried.error());
      for (std::size_t k = 0; k < missing.size(); ++k) {
        (*replies)[missing[k]] = std::move((*retried)[k]);
      }
    }
    for (std::size_t i = 0; i < replies->size(); ++i) {
      const std::string_view what = ScriptWhat(scripts[i]);
      const ReplyView reply((*replies)[i], what);
      if (reply.IsError()) return std::unexpected(reply.ToError(what));
    }
    return replies;
  }

  Expected<Reply> Eval(Script script, const std::vector<std::string>& extra_keys,
                       std::vector<std::string> args) {
    Expected<std::vector<Reply>> replies =
        EvalAll({script}, {EvalCommand(script, extra_keys, std::move(args))});
    if (!replies) return std::unexpected(replies.error());
    return std::move(replies->front());
  }

  Expected<std::vector<Reply>> Plain(const std::vector<Command>& commands) {
    Expected<ConnectionPool::Borrowed> connection = pool_.Acquire();
    if (!connection) return std::unexpected(connection.error());
    Expected<std::vector<Reply>> replies = (*connection)->Pipeline(commands);
    if (!replies) return std::unexpected(replies.error());
    for (const Reply& reply : *replies) {
      const ReplyView view(reply, "a queue command");
      if (view.IsError()) return std::unexpected(view.ToError("a queue command"));
    }
    return replies;
  }

  std::string NewToken() {
    std::lock_guard lock(mutex_);
    return NewLeaseToken(rng_);
  }

  std::vector<std::string> RingView() const {
    std::lock_guard lock(mutex_);
    return ring_view_;
  }
  void SetRingView(std::vector<std::string> view) {
    std::lock_guard lock(mutex_);
    ring_view_ = std::move(view);
  }

  // Promote or recover: read the due ids and their tenants, then move them in one script that
  // declares those tenants' queues and checks again that each job is still due.
  Expected<std::size_t> MoveDue(std::string_view which, Script mover) {
    std::size_t total = 0;
    while (true) {
      Expected<Reply> reply =
          Eval(Script::kDueCandidates, {}, {std::string(which), std::to_string(kDueBatch)});
      if (!reply) return std::unexpected(reply.error());
      Expected<std::vector<redis_detail::DueCandidate>> candidates =
          redis_detail::DecodeDueCandidates(ReplyView(*reply, ScriptWhat(Script::kDueCandidates)));
      if (!candidates) return std::unexpected(candidates.error());
      if (candidates->empty()) return total;
      std::vector<std::string> keys;
      std::unordered_set<std::string> seen;
      std::vector<std::string> args{std::to_string(candidates->size())};
      for (redis_detail::DueCandidate& candidate : *candidates) {
        if (seen.insert(candidate.tenant).second) keys.push_back(TenantQueueKey(candidate.tenant));
        args.push_back(std::move(candidate.job_id));
        args.push_back(std::move(candidate.tenant));
      }
      Expected<Reply> reply_moved = Eval(mover, keys, std::move(args));
      if (!reply_moved) return std::unexpected(reply_moved.error());
      Expected<std::int64_t> moved = IntegerReply(*reply_moved, mover);
      if (!moved) return std::unexpected(moved.error());
      total += static_cast<std::size_t>(*moved);
      // Fewer than a full batch, or another worker moved them first: done for now.
      if (candidates->size() < kDueBatch || *moved == 0) return total;
    }
  }

  // StopWaiting: the connections blocked in BLPOP now, to interrupt; the client-side sleep.
  bool StopRequested() {
    std::lock_guard lock(wait_mutex_);
    return stop_waiting_;
  }
  // Registers a connection about to block; false when the queue is stopping (do not block).
  bool BeginBlocking(redis::Connection* connection) {
    std::lock_guard lock(wait_mutex_);
    if (stop_waiting_) return false;
    blocked_.insert(connection);
    return true;
  }
  void EndBlocking(redis::Connection* connection) {
    std::lock_guard lock(wait_mutex_);
    blocked_.erase(connection);
  }
  // Sleeps for `span` unless the queue is told to stop waiting first.
  void SleepUnlessStopped(std::chrono::microseconds span) {
    std::unique_lock lock(wait_mutex_);
    stopped_.wait_for(lock, span, [&] { return stop_waiting_; });
  }
  void StopWaiting() {
    {
      std::lock_guard lock(wait_mutex_);
      stop_waiting_ = true;
      for (redis::Connection* connection : blocked_) connection->Interrupt();
    }
    stopped_.notify_all();
  }

  const Clock& clock_;
  const RedisQueueOptions options_;
  ConnectionPool pool_;
  std::vector<std::string> fixed_keys_;

  mutable std::mutex mutex_;  // guards shas_, rng_, ring_view_
  std::array<std::string, redis_lua::kScriptCount> shas_;
  std::mt19937_64 rng_;
  std::vector<std::string> ring_view_;  // tenants at the head of the rotation, as last seen

  std::mutex wait_mutex_;  // guards stop_waiting_, blocked_
  std::condition_variable stopped_;
  bool stop_waiting_ = false;
  std::set<redis::Connection*> blocked_;
};

RedisJobQueue::RedisJobQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisJobQueue::~RedisJobQueue() = default;

Expected<std::unique_ptr<RedisJobQueue>> RedisJobQueue::Connect(const Clock& clock,
                                                                RedisQueueOptions options) {
  Expected<redis::RedisAddress> address = redis::ParseRedisUrl(options.url);
  if (!address) return std::unexpected(address.error());
  std::vector<FieldError> errors;
  if (options.key_prefix.empty()) errors.push_back({"key_prefix", "must not be empty"});
  if (options.enqueue_chunk == 0 || options.enqueue_chunk > 1000) {
    errors.push_back({"enqueue_chunk", "must be between 1 and 1000"});
  }
  if (options.first_reconnect_backoff.count() < 1) {
    errors.push_back({"first_reconnect_backoff", "must be at least 1 ms"});
  }
  if (options.max_reconnect_backoff < options.first_reconnect_backoff) {
    errors.push_back({"max_reconnect_backoff", "must not be below first_reconnect_backoff"});
  }
  if (Expected<void> limits = ValidateTenantLimits(options.default_tenant_limits); !limits) {
    for (const FieldError& field : limits.error().fields) {
      errors.push_back({"default_tenant_limits." + field.field, field.message});
    }
  }
  if (!ValidateCampaignLimit(options.default_campaign_max_concurrent_calls)) {
    errors.push_back({"default_campaign_max_concurrent_calls", "must be at least 1"});
  }
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid Redis queue options", errors));
  }
  auto impl = std::make_unique<Impl>(clock, std::move(options), std::move(*address));
  if (Expected<void> loaded = impl->LoadScripts(); !loaded) {
    return std::unexpected(loaded.error());
  }
  return std::unique_ptr<RedisJobQueue>(new RedisJobQueue(std::move(impl)));
}

Expected<std::size_t> RedisJobQueue::Enqueue(const std::vector<DialerJob>& jobs) {
  if (Expected<void> valid = ValidateJobBatch(jobs); !valid) return std::unexpected(valid.error());
  if (jobs.empty()) return 0;
  Expected<ConnectionPool::Borrowed> connection = impl_->pool_.Acquire();
  if (!connection) return std::unexpected(connection.error());
  // Each chunk goes out as soon as it is built, so Redis runs one chunk's script while the next
  // one's JSON is being written here.
  std::vector<Command> commands;
  const std::size_t chunk = impl_->options_.enqueue_chunk;
  for (std::size_t begin = 0; begin < jobs.size(); begin += chunk) {
    const std::size_t end = std::min(jobs.size(), begin + chunk);
    std::vector<std::string> keys;
    std::unordered_set<std::string_view> seen;
    std::vector<std::string> args{std::to_string(end - begin)};
    args.reserve(1 + (end - begin) * 5);
    for (std::size_t i = begin; i < end; ++i) {
      const DialerJob& job = jobs[i];
      if (seen.insert(job.tenant_id.value).second) {
        keys.push_back(impl_->TenantQueueKey(job.tenant_id.value));
      }
      args.push_back(job.job_id.value);
      args.push_back(job.tenant_id.value);
      args.push_back(
          nlohmann::json::array({job.tenant_id.value, job.campaign_id.value, job.priority}).dump());
      args.push_back(std::to_string(job.priority));
      args.push_back(EncodeJobBody(job));
    }
    commands.push_back(impl_->EvalCommand(Script::kEnqueue, keys, std::move(args)));
    if (Expected<void> sent = (*connection)->Send(commands.back()); !sent) {
      return std::unexpected(sent.error());
    }
  }
  const std::string_view what = ScriptWhat(Script::kEnqueue);
  std::size_t added = 0;
  std::vector<Command> unloaded;  // NOSCRIPT: Redis restarted; they did not run
  for (std::size_t i = 0; i < commands.size(); ++i) {
    Expected<Reply> reply = (*connection)->Receive();
    if (!reply) return std::unexpected(reply.error());
    const ReplyView view(*reply, what);
    if (view.IsNoScript()) {
      unloaded.push_back(std::move(commands[i]));
      continue;
    }
    if (view.IsError()) return std::unexpected(view.ToError(what));
    Expected<std::int64_t> count = view.Integer();
    if (!count) return std::unexpected(count.error());
    added += static_cast<std::size_t>(*count);
  }
  if (unloaded.empty()) return added;
  Expected<std::vector<Reply>> retried =
      impl_->EvalAll(std::vector<Script>(unloaded.size(), Script::kEnqueue), unloaded);
  if (!retried) return std::unexpected(retried.error());
  for (const Reply& reply : *retried) {
    Expected<std::int64_t> count = IntegerReply(reply, Script::kEnqueue);
    if (!count) return std::unexpected(count.error());
    added += static_cast<std::size_t>(*count);
  }
  return added;
}

Expected<std::vector<TakenJob>> RedisJobQueue::TakeBatch(std::size_t max_jobs,
                                                         std::chrono::milliseconds lease) {
  if (Expected<void> valid = ValidateTakeBatch(max_jobs, lease); !valid) {
    return std::unexpected(valid.error());
  }
  const std::string token = impl_->NewToken();
  std::vector<TakenJob> taken;
  std::int64_t tenants_looked_at = 0;  // by a take that stopped at a stale view
  for (int attempt = 0; attempt < kMaxStaleTakes; ++attempt) {
    std::vector<std::string> view = impl_->RingView();
    std::vector<std::string> keys;
    std::vector<std::string> args{std::to_string(lease.count()), token,
                                  std::to_string(max_jobs - taken.size()),
                                  std::to_string(tenants_looked_at), std::to_string(view.size())};
    for (const std::string& tenant : view) {
      keys.push_back(impl_->TenantQueueKey(tenant));
      args.push_back(tenant);
    }
    Expected<Reply> reply = impl_->Eval(Script::kTake, keys, std::move(args));
    if (!reply) return std::unexpected(reply.error());
    Expected<redis_detail::TakeReply> result =
        redis_detail::DecodeTakeReply(ReplyView(*reply, ScriptWhat(Script::kTake)), token);
    if (!result) return std::unexpected(result.error());
    std::move(result->taken.begin(), result->taken.end(), std::back_inserter(taken));
    switch (result->status) {
      case redis_detail::TakeReply::Status::kOk:
        return taken;
      case redis_detail::TakeReply::Status::kMaintain:
        if (Expected<std::size_t> recovered = RecoverExpired(); !recovered) {
          return std::unexpected(recovered.error());
        }
        if (Expected<std::size_t> promoted = PromoteDue(); !promoted) {
          return std::unexpected(promoted.error());
        }
        break;
      case redis_detail::TakeReply::Status::kStale:
        impl_->SetRingView(std::move(result->ring_head));
        tenants_looked_at = result->tenants_looked_at;
        break;
    }
  }
  if (!taken.empty()) return taken;
  return std::unexpected(
      Error::Unavailable("the tenant rotation in redis kept changing during the take; try again"));
}

Expected<Lease> RedisJobQueue::ExtendLease(const Lease& lease, std::chrono::milliseconds duration) {
  if (Expected<void> valid = ValidateLeaseDuration(duration); !valid) {
    return std::unexpected(valid.error());
  }
  Expected<Reply> reply = impl_->Eval(
      Script::kExtend, {}, {lease.job_id.value, lease.token, std::to_string(duration.count())});
  if (!reply) return std::unexpected(reply.error());
  const ReplyView view(*reply, ScriptWhat(Script::kExtend));
  if (view.IsInteger()) return std::unexpected(StaleLease(lease));  // 0: not the current lease
  Expected<std::int64_t> expires_us = view.IntegerText();
  if (!expires_us) return std::unexpected(expires_us.error());
  return Lease{lease.job_id, lease.token, Instant(std::chrono::microseconds(*expires_us))};
}

Expected<void> RedisJobQueue::Finish(const Lease& lease, FinishOutcome outcome) {
  Expected<std::vector<JobId>> refused = FinishBatch({lease}, outcome);
  if (!refused) return std::unexpected(refused.error());
  if (!refused->empty()) return std::unexpected(StaleLease(lease));
  return {};
}

Expected<std::vector<JobId>> RedisJobQueue::FinishBatch(const std::vector<Lease>& leases,
                                                        FinishOutcome outcome) {
  std::vector<Command> commands;
  for (std::size_t begin = 0; begin < leases.size(); begin += kFinishChunk) {
    const std::size_t end = std::min(leases.size(), begin + kFinishChunk);
    std::vector<std::string> args{outcome == FinishOutcome::kCompleted ? "completed" : "failed",
                                  std::to_string(end - begin)};
    args.reserve(2 + (end - begin) * 2);
    for (std::size_t i = begin; i < end; ++i) {
      args.push_back(leases[i].job_id.value);
      args.push_back(leases[i].token);
    }
    commands.push_back(impl_->EvalCommand(Script::kFinish, {}, std::move(args)));
  }
  if (commands.empty()) return std::vector<JobId>{};
  Expected<std::vector<Reply>> replies =
      impl_->EvalAll(std::vector<Script>(commands.size(), Script::kFinish), commands);
  if (!replies) return std::unexpected(replies.error());
  std::vector<JobId> refused;
  for (std::size_t chunk = 0; chunk < replies->size(); ++chunk) {
    const std::size_t begin = chunk * kFinishChunk;
    const std::size_t count = std::min(leases.size() - begin, kFinishChunk);
    Expected<std::vector<bool>> finished = redis_detail::DecodeFinishReply(
        ReplyView((*replies)[chunk], ScriptWhat(Script::kFinish)), count);
    if (!finished) return std::unexpected(finished.error());
    for (std::size_t i = 0; i < count; ++i) {
      if (!(*finished)[i]) refused.push_back(leases[begin + i].job_id);
    }
  }
  return refused;
}

Expected<void> RedisJobQueue::ScheduleRetry(const Lease& lease, const DialerJob& job,
                                            Instant due_at) {
  std::vector<FieldError> errors = ValidateJobForQueue(job);
  if (job.job_id != lease.job_id) errors.push_back({"job_id", "must be the leased job's id"});
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid retry; nothing changed", errors));
  }
  Expected<Reply> reply =
      impl_->Eval(Script::kScheduleRetry, {},
                  {lease.job_id.value, lease.token, Micros(due_at), EncodeJobBody(job),
                   job.tenant_id.value, job.campaign_id.value});
  if (!reply) return std::unexpected(reply.error());
  Expected<std::int64_t> scheduled = IntegerReply(*reply, Script::kScheduleRetry);
  if (!scheduled) return std::unexpected(scheduled.error());
  if (*scheduled == 0) return std::unexpected(StaleLease(lease));
  if (*scheduled == -1) {
    return std::unexpected(
        Error::InvalidArgument("invalid retry; nothing changed",
                               {{"tenant_id", "a retry keeps the job's tenant and campaign"}}));
  }
  return {};
}

Expected<std::size_t> RedisJobQueue::PromoteDue() {
  return impl_->MoveDue("scheduled", Script::kPromote);
}

Expected<std::size_t> RedisJobQueue::RecoverExpired() {
  return impl_->MoveDue("processing", Script::kRecover);
}

Expected<void> RedisJobQueue::WaitForWork(std::chrono::milliseconds max_wait) {
  using std::chrono::steady_clock;
  const auto give_up = steady_clock::now() + max_wait;
  while (true) {
    if (impl_->StopRequested()) return {};
    Expected<ConnectionPool::Borrowed> connection = impl_->pool_.Acquire();
    if (!connection) return std::unexpected(connection.error());
    Expected<std::vector<Reply>> heads =
        (*connection)
            ->Pipeline({{"ZRANGE", impl_->Key(FixedKey::kScheduled), "0", "0", "WITHSCORES"},
                        {"ZRANGE", impl_->Key(FixedKey::kProcessing), "0", "0", "WITHSCORES"}});
    if (!heads) return std::unexpected(heads.error());
    std::optional<Instant> next;
    for (const Reply& head : *heads) {
      // {member, score} of the earliest due job or lease expiry, or empty.
      const ReplyView view(head, "the head of the scheduled and processing sets");
      if (view.IsError()) return std::unexpected(view.ToError("waiting for work"));
      Expected<std::size_t> size = view.Size();
      if (!size) return std::unexpected(size.error());
      if (*size < 2) continue;
      Expected<ReplyView> score = view.At(1);
      if (!score) return std::unexpected(score.error());
      Expected<std::int64_t> at_us = score->IntegerText();
      if (!at_us) return std::unexpected(at_us.error());
      next = std::min(next.value_or(Instant::max()), Instant(std::chrono::microseconds(*at_us)));
    }
    const auto until_give_up =
        std::chrono::duration_cast<std::chrono::microseconds>(give_up - steady_clock::now());
    const auto until_due = next ? *next - impl_->clock_.Now() : std::chrono::microseconds::max();
    // BLPOP takes seconds with millisecond precision; 0 would block forever.
    if (std::min(until_give_up, until_due) < 1ms) return {};
    auto blocking = until_give_up;
    if (until_due <= until_give_up) {
      if (until_due <= kClientSideWait) {
        impl_->SleepUnlessStopped(until_due);
        return {};
      }
      blocking = until_due - kClientSideWait;
    }
    const std::string seconds = fmt::format("{:.3f}", static_cast<double>(blocking.count()) / 1e6);
    if (Expected<void> set =
            (*connection)
                ->SetTimeout(std::chrono::duration_cast<std::chrono::milliseconds>(blocking) +
                             (*connection)->command_timeout());
        !set) {
      return std::unexpected(set.error());
    }
    // StopWaiting cuts the connection of a blocked BLPOP: the read fails and the wait ends.
    if (!impl_->BeginBlocking(connection->get())) return {};
    Expected<Reply> popped = (*connection)->Run({"BLPOP", impl_->Key(FixedKey::kWake), seconds});
    impl_->EndBlocking(connection->get());
    if ((*connection)->interrupted()) return {};
    if (!popped) return std::unexpected(popped.error());
    if (Expected<void> reset = (*connection)->SetTimeout((*connection)->command_timeout());
        !reset) {
      return std::unexpected(reset.error());
    }
    const ReplyView view(*popped, "waiting for work");
    if (view.IsError()) return std::unexpected(view.ToError("waiting for work"));
    if (view.IsArray()) return {};  // a wake-up token
  }
}

void RedisJobQueue::StopWaiting() { impl_->StopWaiting(); }

Expected<std::size_t> RedisJobQueue::CancelCampaign(const TenantId& tenant,
                                                    const CampaignId& campaign) {
  Expected<Reply> reply = impl_->Eval(Script::kCancel, {impl_->TenantQueueKey(tenant.value)},
                                      {tenant.value, campaign.value});
  if (!reply) return std::unexpected(reply.error());
  Expected<std::int64_t> removed = IntegerReply(*reply, Script::kCancel);
  if (!removed) return std::unexpected(removed.error());
  return static_cast<std::size_t>(*removed);
}

namespace {
Expected<void> Done(const Expected<Reply>& reply) {
  if (!reply) return std::unexpected(reply.error());
  return {};
}
}  // namespace

Expected<void> RedisJobQueue::PauseTenant(const TenantId& tenant) {
  return Done(impl_->Eval(Script::kPause, {}, {"t:" + tenant.value, "1"}));
}
Expected<void> RedisJobQueue::ResumeTenant(const TenantId& tenant) {
  return Done(impl_->Eval(Script::kPause, {}, {"t:" + tenant.value, "0"}));
}
Expected<void> RedisJobQueue::PauseCampaign(const CampaignId& campaign) {
  return Done(impl_->Eval(Script::kPause, {}, {"c:" + campaign.value, "1"}));
}
Expected<void> RedisJobQueue::ResumeCampaign(const CampaignId& campaign) {
  return Done(impl_->Eval(Script::kPause, {}, {"c:" + campaign.value, "0"}));
}

Expected<void> RedisJobQueue::SetTenantLimits(const TenantId& tenant, const TenantLimits& limits) {
  if (Expected<void> valid = ValidateTenantLimits(limits); !valid) return valid;
  return Done(impl_->Eval(
      Script::kSetLimits, {},
      {"t:" + tenant.value + ":max", std::to_string(limits.max_concurrent_calls),
       "t:" + tenant.value + ":threshold", std::to_string(limits.high_priority_threshold)}));
}

Expected<void> RedisJobQueue::SetCampaignLimit(const CampaignId& campaign,
                                               int max_concurrent_calls) {
  if (Expected<void> valid = ValidateCampaignLimit(max_concurrent_calls); !valid) return valid;
  return Done(impl_->Eval(Script::kSetLimits, {},
                          {"c:" + campaign.value + ":max", std::to_string(max_concurrent_calls)}));
}

Expected<QueueStats> RedisJobQueue::Stats() {
  Expected<std::vector<Reply>> replies = impl_->Plain({
      {"HGETALL", impl_->Key(FixedKey::kStats)},
      {"ZCARD", impl_->Key(FixedKey::kLane)},
      {"ZCARD", impl_->Key(FixedKey::kScheduled)},
      {"ZCARD", impl_->Key(FixedKey::kProcessing)},
      {"LRANGE", impl_->Key(FixedKey::kRing), "0", "-1"},
  });
  if (!replies) return std::unexpected(replies.error());
  QueueStats stats;
  const ReplyView totals((*replies)[0], "the stats hash");
  Expected<std::size_t> fields = totals.Size();
  if (!fields) return std::unexpected(fields.error());
  for (std::size_t i = 0; i + 1 < *fields; i += 2) {
    Expected<ReplyView> name = totals.At(i);
    if (!name) return std::unexpected(name.error());
    Expected<std::string_view> field = name->Text();
    if (!field) return std::unexpected(field.error());
    Expected<ReplyView> number = totals.At(i + 1);
    if (!number) return std::unexpected(number.error());
    Expected<std::int64_t> value = number->IntegerText();
    if (!value) return std::unexpected(value.error());
    if (*field == "total_enqueued") stats.total_enqueued = *value;
    if (*field == "total_completed") stats.total_completed = *value;
    if (*field == "total_failed") stats.total_failed = *value;
    if (*field == "total_retried") stats.total_retried = *value;
    if (*field == "total_recovered") stats.total_recovered = *value;
  }
  for (auto [index, size] :
       {std::pair{1, &stats.priority_queue_size}, std::pair{2, &stats.scheduled_size},
        std::pair{3, &stats.processing_size}}) {
    Expected<std::int64_t> count = ReplyView((*replies)[index], "a queue size").Integer();
    if (!count) return std::unexpected(count.error());
    *size = *count;
  }
  const ReplyView ring((*replies)[4], "the tenant rotation");
  Expected<std::size_t> ring_size = ring.Size();
  if (!ring_size) return std::unexpected(ring_size.error());
  if (*ring_size == 0) return stats;
  std::vector<std::string> tenants;
  std::vector<Command> sizes;
  for (std::size_t i = 0; i < *ring_size; ++i) {
    Expected<ReplyView> element = ring.At(i);
    if (!element) return std::unexpected(element.error());
    Expected<std::string_view> tenant = element->Text();
    if (!tenant) return std::unexpected(tenant.error());
    tenants.emplace_back(*tenant);
    sizes.push_back({"ZCARD", impl_->TenantQueueKey(*tenant)});
  }
  Expected<std::vector<Reply>> counted = impl_->Plain(sizes);
  if (!counted) return std::unexpected(counted.error());
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    Expected<std::int64_t> count = ReplyView((*counted)[i], "a tenant queue's size").Integer();
    if (!count) return std::unexpected(count.error());
    if (*count > 0) stats.tenant_queue_sizes[TenantId{tenants[i]}] = *count;
  }
  return stats;
}

}  // namespace talky
