// The Redis queue's Lua scripts: each one step that must be atomic (take, finish, promote ...).
// Every script gets the fixed keys below as its first KEYS, in the order of FixedKey, then the
// tenant queue keys it may touch; a shared prologue names each fixed key (LANE, RING ...), so the
// scripts read keys by name. ARGV starts with now (µs since the epoch, from the caller's Clock)
// and the default limits. docs/queue.md describes each key.
//
// One table (kScripts in lua_scripts.cpp, checked at compile time against Script) holds each
// script's name and body; the C++ side names a script by its Script value only.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace talky::redis_lua {

enum class FixedKey {
  kLane,        // zset: job id -> order score (priority band, then sequence)
  kRing,        // list: the rotation of tenants whose queue has jobs
  kScheduled,   // zset: job id -> due instant (µs)
  kProcessing,  // zset: job id -> lease expiry (µs)
  kStats,       // hash: running totals
  kJobs,        // hash: job id -> job JSON, stored once
  kMeta,        // hash: job id -> ["tenant", "campaign", priority]
  kLeases,      // hash: job id -> "token:score" (score = the place to come back to)
  kSlots,       // hash: "t:TENANT" / "c:CAMPAIGN" -> jobs processing now
  kLimits,      // hash: "t:TENANT:max", "t:TENANT:threshold", "c:CAMPAIGN:max"
  kPaused,      // set: "t:TENANT", "c:CAMPAIGN"
  kSequence,    // string: the enqueue counter
  kWake,        // list: wake-up tokens for WaitForWork (BLPOP)
  kCount,
};
inline constexpr std::size_t kFixedKeyCount = static_cast<std::size_t>(FixedKey::kCount);

struct FixedKeyName {
  FixedKey key;
  std::string_view lua_name;  // the scripts' local variable
  std::string_view suffix;    // after the configured prefix; the first five are the spec's names
};

inline constexpr std::array<FixedKeyName, kFixedKeyCount> kFixedKeys = {{
    {FixedKey::kLane, "LANE", "priority:queue"},
    {FixedKey::kRing, "RING", "tenants"},
    {FixedKey::kScheduled, "SCHEDULED", "scheduled"},
    {FixedKey::kProcessing, "PROCESSING", "processing"},
    {FixedKey::kStats, "STATS", "stats"},
    {FixedKey::kJobs, "JOBS", "jobs"},
    {FixedKey::kMeta, "META", "meta"},
    {FixedKey::kLeases, "LEASES", "leases"},
    {FixedKey::kSlots, "SLOTS", "slots"},
    {FixedKey::kLimits, "LIMITS", "limits"},
    {FixedKey::kPaused, "PAUSED", "paused"},
    {FixedKey::kSequence, "SEQUENCE", "sequence"},
    {FixedKey::kWake, "WAKE", "wake"},
}};

constexpr bool InFixedKeyOrder() {
  for (std::size_t i = 0; i < kFixedKeys.size(); ++i) {
    if (static_cast<std::size_t>(kFixedKeys[i].key) != i) return false;
  }
  return true;
}
static_assert(InFixedKeyOrder(), "kFixedKeys must list FixedKey in order");

// ARGV of every script: now_us, default tenant max, default threshold, default campaign max,
// then the script's own arguments.
inline constexpr int kCommonArgCount = 4;

enum class Script {
  // ARGV: lease_ms, token, max jobs, tenants looked at (0, or what the last "stale" answered), n,
  // tenant ids (n of them; KEYS after the fixed ones are their queues). Returns {status, count,
  // id, body, expires_us, ...}: status "ok" (fewer than max: nothing more to hand out), "stale"
  // (stopped at an undeclared tenant; then the ring's head to declare next time and how many
  // tenants of the rotation this take had looked at, to pass on) or "maintain" (a retry is due or
  // a lease expired: promote and recover first, then take again). Decoded by DecodeTakeReply
  // (detail/script_replies.h).
  kTake,
  // ARGV: n, then per job: id, tenant, meta JSON, priority, body. KEYS: the jobs' tenant queues,
  // in the order of first appearance. Returns how many were new.
  kEnqueue,
  // ARGV: id, token, duration_ms. Returns the new expiry, or 0 if the lease is not current.
  kExtend,
  // ARGV: "completed"|"failed", n, then n pairs id, token. Returns n integers: 1 finished, 0 the
  // lease is not current. Decoded by DecodeFinishReply.
  kFinish,
  // ARGV: id, token, due_us, body, tenant, campaign. Returns 1, 0 (stale lease) or -1 (tenant or
  // campaign changed).
  kScheduleRetry,
  // ARGV: which ("scheduled"|"processing"), limit. Read-only: {id, meta, id, meta, ...} of due
  // scheduled jobs or expired leases. Decoded by DecodeDueCandidates.
  kDueCandidates,
  // ARGV: n, then per job: id, tenant (queues in KEYS). Return how many moved.
  kPromote,
  kRecover,
  // ARGV: tenant, campaign (the tenant's queue is the first extra key). Returns how many removed.
  kCancel,
  // ARGV: field, "1" to pause / "0" to resume.
  kPause,
  // ARGV: field=value pairs for the limits hash.
  kSetLimits,
  kCount,
};
inline constexpr std::size_t kScriptCount = static_cast<std::size_t>(Script::kCount);

// For messages: "take", "schedule retry".
std::string_view ScriptName(Script script);
// The whole text sent to Redis: the key names, the helper functions the script uses, its body.
std::string ScriptText(Script script);

}  // namespace talky::redis_lua
