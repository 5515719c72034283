// The Redis queue's Lua scripts: each one step that must be atomic (take, finish, promote ...).
// Every script gets the fixed keys below as KEYS[1..kFixedKeyCount], in this order, then the
// tenant queue keys it may touch; ARGV starts with now (µs since the epoch, from the caller's
// Clock) and the default limits. docs/queue.md describes each key.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace talky::redis_lua {

// Key suffixes after the configured prefix; the first five are the spec's names.
inline constexpr std::array<std::string_view, 13> kFixedKeys = {
    "priority:queue",  // zset: job id -> order score (priority band, then sequence)
    "tenants",         // list: the rotation of tenants whose queue has jobs
    "scheduled",       // zset: job id -> due instant (µs)
    "processing",      // zset: job id -> lease expiry (µs)
    "stats",           // hash: running totals
    "jobs",            // hash: job id -> job JSON, stored once
    "meta",            // hash: job id -> ["tenant", "campaign", priority]
    "leases",          // hash: job id -> "token:score" (score = the place to come back to)
    "slots",           // hash: "t:TENANT" / "c:CAMPAIGN" -> jobs processing now
    "limits",          // hash: "t:TENANT:max", "t:TENANT:threshold", "c:CAMPAIGN:max"
    "paused",          // set: "t:TENANT", "c:CAMPAIGN"
    "sequence",        // string: the enqueue counter
    "wake",            // list: wake-up tokens for WaitForWork (BLPOP)
};
inline constexpr int kFixedKeyCount = static_cast<int>(kFixedKeys.size());

// ARGV of every script: now_us, default tenant max, default threshold, default campaign max,
// then the script's own arguments.
inline constexpr int kCommonArgCount = 4;

// ARGV: lease_ms, token, max jobs, n, tenant ids (n of them; KEYS after the fixed ones are their
// queues). Returns {status, count, id, body, expires_us, ...}: status "ok" (fewer than max: nothing
// more to hand out), "stale" (stopped at an undeclared tenant; the last element is the ring's head
// to declare next time) or "maintain" (a retry is due or a lease expired: promote and recover
// first, then take again).
extern const std::string kTake;
// ARGV: n, then per job: id, tenant, meta JSON, priority, body. KEYS: the jobs' tenant queues, in
// the order of first appearance. Returns how many were new.
extern const std::string kEnqueue;
// ARGV: id, token, duration_ms. Returns the new expiry, or 0 if the lease is not current.
extern const std::string kExtend;
// ARGV: id, token, "completed"|"failed". Returns 1, or 0 if the lease is not current.
extern const std::string kFinish;
// ARGV: id, token, due_us, body, tenant, campaign. Returns 1, 0 (stale lease) or -1 (tenant or
// campaign changed).
extern const std::string kScheduleRetry;
// ARGV: which ("scheduled"|"processing"), limit. Read-only: {id, meta, id, meta, ...} of due
// scheduled jobs or expired leases.
extern const std::string kDueCandidates;
// ARGV: n, then per job: id, tenant (queues in KEYS). Returns how many moved.
extern const std::string kPromote;
extern const std::string kRecover;
// ARGV: tenant, campaign (the tenant's queue is the first extra key). Returns how many removed.
extern const std::string kCancel;
// ARGV: field, "1" to pause / "0" to resume.
extern const std::string kPause;
// ARGV: field=value pairs for the limits hash.
extern const std::string kSetLimits;

}  // namespace talky::redis_lua
