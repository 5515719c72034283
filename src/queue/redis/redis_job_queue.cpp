#include "queue/redis/redis_job_queue.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_set>

#include "queue/queue_rules.h"
#include "queue/redis/detail/redis_connection.h"
#include "queue/redis/lua_scripts.h"

namespace talky {

using redis_detail::Command;
using redis_detail::ConnectionPool;
using redis_detail::Reply;
using namespace std::chrono_literals;

namespace {

enum ScriptId {
  kTakeScript,
  kEnqueueScript,
  kExtendScript,
  kFinishScript,
  kScheduleRetryScript,
  kDueCandidatesScript,
  kPromoteScript,
  kRecoverScript,
  kCancelScript,
  kPauseScript,
  kSetLimitsScript,
  kScriptCount,
};

const std::string& ScriptText(int script) {
  static const std::array<const std::string*, kScriptCount> kTexts = {
      &redis_lua::kTake,    &redis_lua::kEnqueue,       &redis_lua::kExtend,
      &redis_lua::kFinish,  &redis_lua::kScheduleRetry, &redis_lua::kDueCandidates,
      &redis_lua::kPromote, &redis_lua::kRecover,       &redis_lua::kCancel,
      &redis_lua::kPause,   &redis_lua::kSetLimits,
  };
  return *kTexts[static_cast<std::size_t>(script)];
}

constexpr std::string_view kScriptName[kScriptCount] = {
    "take",    "enqueue", "extend lease", "finish", "schedule retry", "due candidates",
    "promote", "recover", "cancel",       "pause",  "set limits",
};

// How many due jobs one promote or recover script handles; the caller loops for more.
constexpr int kDueBatch = 256;
// A take that meets a tenant it was not told about, or due work to move first, asks again; that
// would have to happen this many times in a row to give up.
constexpr int kMaxStaleTakes = 16;
// BLPOP times out on the server's clock tick (hz 10: up to 100 ms late), so the last stretch
// before a due instant is slept on the client, where the wake-up is precise. A wait bounded only
// by max_wait needs no precision and blocks in BLPOP to the end.
constexpr std::chrono::milliseconds kClientSideWait{150};

std::string Micros(Instant instant) { return std::to_string(instant.time_since_epoch().count()); }

std::string_view ReplyText(const redisReply& reply) { return {reply.str, reply.len}; }

Error StaleLease(const Lease& lease) {
  return Error::Conflict(fmt::format(
      "lease on job '{}' is no longer held (it expired and the job was recovered, or the job "
      "was finished)",
      lease.job_id.value));
}

Expected<Instant> MicrosToInstant(std::string_view text) {
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc()) {
    return std::unexpected(
        Error::Internal("redis returned a bad instant '" + std::string(text) + "'"));
  }
  return Instant(std::chrono::microseconds(value));
}

std::uint64_t SeedOrRandom(std::uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

}  // namespace

class RedisJobQueue::Impl {
 public:
  Impl(const Clock& clock, RedisQueueOptions options, redis_detail::RedisAddress address)
      : clock_(clock),
        options_(std::move(options)),
        pool_(std::move(address), {.connect_timeout = options_.connect_timeout,
                                   .command_timeout = options_.command_timeout,
                                   .first_backoff = options_.first_reconnect_backoff,
                                   .max_backoff = options_.max_reconnect_backoff}),
        rng_(SeedOrRandom(options_.seed)) {
    for (std::string_view suffix : redis_lua::kFixedKeys) {
      fixed_keys_.push_back(options_.key_prefix + std::string(suffix));
    }
  }

  const std::string& Key(int index) const { return fixed_keys_[static_cast<std::size_t>(index)]; }
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
    for (int i = 0; i < kScriptCount; ++i) loads.push_back({"SCRIPT", "LOAD", ScriptText(i)});
    Expected<std::vector<Reply>> replies = connection->Pipeline(loads);
    if (!replies) return std::unexpected(replies.error());
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < replies->size(); ++i) {
      const redisReply& reply = *(*replies)[i];
      if (reply.type != REDIS_REPLY_STRING) {
        return std::unexpected(redis_detail::ReplyToError(
            reply, fmt::format("loading the {} script", kScriptName[i])));
      }
      shas_[i] = std::string(ReplyText(reply));
    }
    return {};
  }

  Command EvalCommand(ScriptId script, const std::vector<std::string>& extra_keys,
                      std::vector<std::string> args) const {
    Command command;
    command.reserve(3 + fixed_keys_.size() + extra_keys.size() + redis_lua::kCommonArgCount +
                    args.size());
    {
      std::lock_guard lock(mutex_);
      command.insert(command.end(), {"EVALSHA", shas_[script]});
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
  Expected<std::vector<Reply>> EvalAll(std::vector<ScriptId> scripts,
                                       const std::vector<Command>& commands) {
    Expected<ConnectionPool::Borrowed> connection = pool_.Acquire();
    if (!connection) return std::unexpected(connection.error());
    Expected<std::vector<Reply>> replies = (*connection)->Pipeline(commands);
    if (!replies) return std::unexpected(replies.error());
    std::vector<std::size_t> missing;
    for (std::size_t i = 0; i < replies->size(); ++i) {
      if (redis_detail::IsNoScript(*(*replies)[i])) missing.push_back(i);
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
      const redisReply& reply = *(*replies)[i];
      if (reply.type == REDIS_REPLY_ERROR) {
        return std::unexpected(redis_detail::ReplyToError(
            reply, fmt::format("the {} script", kScriptName[scripts[i]])));
      }
    }
    return replies;
  }

  Expected<Reply> Eval(ScriptId script, const std::vector<std::string>& extra_keys,
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
      if (reply->type == REDIS_REPLY_ERROR) {
        return std::unexpected(redis_detail::ReplyToError(*reply, "a queue command"));
      }
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
  Expected<std::size_t> MoveDue(std::string_view which, ScriptId mover) {
    std::size_t total = 0;
    while (true) {
      Expected<Reply> candidates =
          Eval(kDueCandidatesScript, {}, {std::string(which), std::to_string(kDueBatch)});
      if (!candidates) return std::unexpected(candidates.error());
      const redisReply& list = **candidates;
      if (list.elements == 0) return total;
      std::vector<std::string> keys;
      std::unordered_set<std::string> seen;
      std::vector<std::string> args{std::to_string(list.elements / 2)};
      for (std::size_t i = 0; i + 1 < list.elements; i += 2) {
        nlohmann::json meta = nlohmann::json::parse(ReplyText(*list.element[i + 1]), nullptr,
                                                    /*allow_exceptions=*/false);
        if (!meta.is_array() || meta.empty() || !meta[0].is_string()) {
          return std::unexpected(Error::Internal("job without metadata in redis: " +
                                                 std::string(ReplyText(*list.element[i]))));
        }
        const std::string tenant = meta[0].get<std::string>();
        if (seen.insert(tenant).second) keys.push_back(TenantQueueKey(tenant));
        args.push_back(std::string(ReplyText(*list.element[i])));
        args.push_back(tenant);
      }
      Expected<Reply> moved = Eval(mover, keys, std::move(args));
      if (!moved) return std::unexpected(moved.error());
      total += static_cast<std::size_t>((*moved)->integer);
      // Fewer than a full batch, or another worker moved them first: done for now.
      if (list.elements / 2 < kDueBatch || (*moved)->integer == 0) return total;
    }
  }

  const Clock& clock_;
  const RedisQueueOptions options_;
  ConnectionPool pool_;
  std::vector<std::string> fixed_keys_;

  mutable std::mutex mutex_;  // guards shas_, rng_, ring_view_
  std::array<std::string, kScriptCount> shas_;
  std::mt19937_64 rng_;
  std::vector<std::string> ring_view_;  // tenants at the head of the rotation, as last seen
};

RedisJobQueue::RedisJobQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisJobQueue::~RedisJobQueue() = default;

Expected<std::unique_ptr<RedisJobQueue>> RedisJobQueue::Connect(const Clock& clock,
                                                                RedisQueueOptions options) {
  Expected<redis_detail::RedisAddress> address = redis_detail::ParseRedisUrl(options.url);
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
      args.push_back(ToJson(job).dump());
    }
    commands.push_back(impl_->EvalCommand(kEnqueueScript, keys, std::move(args)));
    if (Expected<void> sent = (*connection)->Send(commands.back()); !sent) {
      return std::unexpected(sent.error());
    }
  }
  std::size_t added = 0;
  std::vector<Command> unloaded;  // NOSCRIPT: Redis restarted; they did not run
  for (std::size_t i = 0; i < commands.size(); ++i) {
    Expected<Reply> reply = (*connection)->Receive();
    if (!reply) return std::unexpected(reply.error());
    if (redis_detail::IsNoScript(**reply)) {
      unloaded.push_back(std::move(commands[i]));
    } else if ((*reply)->type == REDIS_REPLY_ERROR) {
      return std::unexpected(redis_detail::ReplyToError(**reply, "the enqueue script"));
    } else {
      added += static_cast<std::size_t>((*reply)->integer);
    }
  }
  if (unloaded.empty()) return added;
  Expected<std::vector<Reply>> retried =
      impl_->EvalAll(std::vector<ScriptId>(unloaded.size(), kEnqueueScript), unloaded);
  if (!retried) return std::unexpected(retried.error());
  for (const Reply& reply : *retried) added += static_cast<std::size_t>(reply->integer);
  return added;
}

Expected<std::vector<TakenJob>> RedisJobQueue::TakeBatch(std::size_t max_jobs,
                                                         std::chrono::milliseconds lease) {
  if (Expected<void> valid = ValidateTakeBatch(max_jobs, lease); !valid) {
    return std::unexpected(valid.error());
  }
  const std::string token = impl_->NewToken();
  std::vector<TakenJob> taken;
  for (int attempt = 0; attempt < kMaxStaleTakes; ++attempt) {
    std::vector<std::string> view = impl_->RingView();
    std::vector<std::string> keys;
    std::vector<std::string> args{std::to_string(lease.count()), token,
                                  std::to_string(max_jobs - taken.size()),
                                  std::to_string(view.size())};
    for (const std::string& tenant : view) {
      keys.push_back(impl_->TenantQueueKey(tenant));
      args.push_back(tenant);
    }
    Expected<Reply> reply = impl_->Eval(kTakeScript, keys, std::move(args));
    if (!reply) return std::unexpected(reply.error());
    const redisReply& result = **reply;
    const std::string_view status = ReplyText(*result.element[0]);
    const auto count = static_cast<std::size_t>(result.element[1]->integer);
    for (std::size_t i = 0; i < count; ++i) {
      const redisReply& id = *result.element[2 + i * 3];
      Expected<DialerJob> job = ParseDialerJob(ReplyText(*result.element[3 + i * 3]));
      if (!job) {
        return std::unexpected(
            Error::Internal("job '" + std::string(ReplyText(id)) +
                            "' in redis is unreadable: " + job.error().Describe()));
      }
      Expected<Instant> expires = MicrosToInstant(ReplyText(*result.element[4 + i * 3]));
      if (!expires) return std::unexpected(expires.error());
      job->status = JobStatus::kProcessing;
      taken.push_back(
          TakenJob{std::move(*job), Lease{JobId{std::string(ReplyText(id))}, token, *expires}});
    }
    if (status == "ok") return taken;
    if (status == "maintain") {
      if (Expected<std::size_t> recovered = RecoverExpired(); !recovered) {
        return std::unexpected(recovered.error());
      }
      if (Expected<std::size_t> promoted = PromoteDue(); !promoted) {
        return std::unexpected(promoted.error());
      }
      continue;
    }
    const redisReply& head = *result.element[result.elements - 1];
    std::vector<std::string> fresh;
    for (std::size_t i = 0; i < head.elements; ++i) fresh.emplace_back(ReplyText(*head.element[i]));
    impl_->SetRingView(std::move(fresh));
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
      kExtendScript, {}, {lease.job_id.value, lease.token, std::to_string(duration.count())});
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->type == REDIS_REPLY_INTEGER) return std::unexpected(StaleLease(lease));
  Expected<Instant> expires = MicrosToInstant(ReplyText(**reply));
  if (!expires) return std::unexpected(expires.error());
  return Lease{lease.job_id, lease.token, *expires};
}

Expected<void> RedisJobQueue::Finish(const Lease& lease, FinishOutcome outcome) {
  Expected<Reply> reply =
      impl_->Eval(kFinishScript, {},
                  {lease.job_id.value, lease.token,
                   outcome == FinishOutcome::kCompleted ? "completed" : "failed"});
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->integer != 1) return std::unexpected(StaleLease(lease));
  return {};
}

Expected<std::vector<JobId>> RedisJobQueue::FinishBatch(const std::vector<Lease>& leases,
                                                        FinishOutcome outcome) {
  if (leases.empty()) return std::vector<JobId>{};
  std::vector<Command> commands;
  for (const Lease& lease : leases) {
    commands.push_back(
        impl_->EvalCommand(kFinishScript, {},
                           {lease.job_id.value, lease.token,
                            outcome == FinishOutcome::kCompleted ? "completed" : "failed"}));
  }
  Expected<std::vector<Reply>> replies =
      impl_->EvalAll(std::vector<ScriptId>(leases.size(), kFinishScript), commands);
  if (!replies) return std::unexpected(replies.error());
  std::vector<JobId> refused;
  for (std::size_t i = 0; i < leases.size(); ++i) {
    if ((*replies)[i]->integer != 1) refused.push_back(leases[i].job_id);
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
      impl_->Eval(kScheduleRetryScript, {},
                  {lease.job_id.value, lease.token, Micros(due_at), ToJson(job).dump(),
                   job.tenant_id.value, job.campaign_id.value});
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->integer == 0) return std::unexpected(StaleLease(lease));
  if ((*reply)->integer == -1) {
    return std::unexpected(
        Error::InvalidArgument("invalid retry; nothing changed",
                               {{"tenant_id", "a retry keeps the job's tenant and campaign"}}));
  }
  return {};
}

Expected<std::size_t> RedisJobQueue::PromoteDue() {
  return impl_->MoveDue("scheduled", kPromoteScript);
}

Expected<std::size_t> RedisJobQueue::RecoverExpired() {
  return impl_->MoveDue("processing", kRecoverScript);
}

Expected<void> RedisJobQueue::WaitForWork(std::chrono::milliseconds max_wait) {
  using std::chrono::steady_clock;
  const auto give_up = steady_clock::now() + max_wait;
  while (true) {
    Expected<ConnectionPool::Borrowed> connection = impl_->pool_.Acquire();
    if (!connection) return std::unexpected(connection.error());
    Expected<std::vector<Reply>> heads =
        (*connection)
            ->Pipeline({{"ZRANGE", impl_->Key(2), "0", "0", "WITHSCORES"},
                        {"ZRANGE", impl_->Key(3), "0", "0", "WITHSCORES"}});
    if (!heads) return std::unexpected(heads.error());
    std::optional<Instant> next;
    for (const Reply& head : *heads) {
      if (head->type != REDIS_REPLY_ARRAY || head->elements < 2) continue;
      Expected<Instant> at = MicrosToInstant(ReplyText(*head->element[1]));
      if (at) next = std::min(next.value_or(Instant::max()), *at);
    }
    const auto until_give_up =
        std::chrono::duration_cast<std::chrono::microseconds>(give_up - steady_clock::now());
    const auto until_due = next ? *next - impl_->clock_.Now() : std::chrono::microseconds::max();
    // BLPOP takes seconds with millisecond precision; 0 would block forever.
    if (std::min(until_give_up, until_due) < 1ms) return {};
    auto blocking = until_give_up;
    if (until_due <= until_give_up) {
      if (until_due <= kClientSideWait) {
        std::this_thread::sleep_for(until_due);
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
    Expected<Reply> popped = (*connection)->Run({"BLPOP", impl_->Key(12), seconds});
    if (!popped) return std::unexpected(popped.error());
    if (Expected<void> reset = (*connection)->SetTimeout((*connection)->command_timeout());
        !reset) {
      return std::unexpected(reset.error());
    }
    if ((*popped)->type == REDIS_REPLY_ERROR) {
      return std::unexpected(redis_detail::ReplyToError(**popped, "waiting for work"));
    }
    if ((*popped)->type == REDIS_REPLY_ARRAY) return {};
  }
}

Expected<std::size_t> RedisJobQueue::CancelCampaign(const TenantId& tenant,
                                                    const CampaignId& campaign) {
  Expected<Reply> reply = impl_->Eval(kCancelScript, {impl_->TenantQueueKey(tenant.value)},
                                      {tenant.value, campaign.value});
  if (!reply) return std::unexpected(reply.error());
  return static_cast<std::size_t>((*reply)->integer);
}

namespace {
Expected<void> Done(const Expected<Reply>& reply) {
  if (!reply) return std::unexpected(reply.error());
  return {};
}
}  // namespace

Expected<void> RedisJobQueue::PauseTenant(const TenantId& tenant) {
  return Done(impl_->Eval(kPauseScript, {}, {"t:" + tenant.value, "1"}));
}
Expected<void> RedisJobQueue::ResumeTenant(const TenantId& tenant) {
  return Done(impl_->Eval(kPauseScript, {}, {"t:" + tenant.value, "0"}));
}
Expected<void> RedisJobQueue::PauseCampaign(const CampaignId& campaign) {
  return Done(impl_->Eval(kPauseScript, {}, {"c:" + campaign.value, "1"}));
}
Expected<void> RedisJobQueue::ResumeCampaign(const CampaignId& campaign) {
  return Done(impl_->Eval(kPauseScript, {}, {"c:" + campaign.value, "0"}));
}

Expected<void> RedisJobQueue::SetTenantLimits(const TenantId& tenant, const TenantLimits& limits) {
  if (Expected<void> valid = ValidateTenantLimits(limits); !valid) return valid;
  return Done(impl_->Eval(
      kSetLimitsScript, {},
      {"t:" + tenant.value + ":max", std::to_string(limits.max_concurrent_calls),
       "t:" + tenant.value + ":threshold", std::to_string(limits.high_priority_threshold)}));
}

Expected<void> RedisJobQueue::SetCampaignLimit(const CampaignId& campaign,
                                               int max_concurrent_calls) {
  if (Expected<void> valid = ValidateCampaignLimit(max_concurrent_calls); !valid) return valid;
  return Done(impl_->Eval(kSetLimitsScript, {},
                          {"c:" + campaign.value + ":max", std::to_string(max_concurrent_calls)}));
}

Expected<QueueStats> RedisJobQueue::Stats() {
  Expected<std::vector<Reply>> replies = impl_->Plain({
      {"HGETALL", impl_->Key(4)},
      {"ZCARD", impl_->Key(0)},
      {"ZCARD", impl_->Key(2)},
      {"ZCARD", impl_->Key(3)},
      {"LRANGE", impl_->Key(1), "0", "-1"},
  });
  if (!replies) return std::unexpected(replies.error());
  QueueStats stats;
  const redisReply& totals = *(*replies)[0];
  for (std::size_t i = 0; i + 1 < totals.elements; i += 2) {
    const std::string_view field = ReplyText(*totals.element[i]);
    const std::int64_t value = std::stoll(std::string(ReplyText(*totals.element[i + 1])));
    if (field == "total_enqueued") stats.total_enqueued = value;
    if (field == "total_completed") stats.total_completed = value;
    if (field == "total_failed") stats.total_failed = value;
    if (field == "total_retried") stats.total_retried = value;
    if (field == "total_recovered") stats.total_recovered = value;
  }
  stats.priority_queue_size = (*replies)[1]->integer;
  stats.scheduled_size = (*replies)[2]->integer;
  stats.processing_size = (*replies)[3]->integer;
  const redisReply& ring = *(*replies)[4];
  if (ring.elements == 0) return stats;
  std::vector<Command> sizes;
  for (std::size_t i = 0; i < ring.elements; ++i) {
    sizes.push_back({"ZCARD", impl_->TenantQueueKey(ReplyText(*ring.element[i]))});
  }
  Expected<std::vector<Reply>> counted = impl_->Plain(sizes);
  if (!counted) return std::unexpected(counted.error());
  for (std::size_t i = 0; i < ring.elements; ++i) {
    if ((*counted)[i]->integer > 0) {
      stats.tenant_queue_sizes[TenantId{std::string(ReplyText(*ring.element[i]))}] =
          (*counted)[i]->integer;
    }
  }
  return stats;
}

}  // namespace talky
