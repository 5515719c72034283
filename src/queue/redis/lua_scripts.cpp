#include "queue/redis/lua_scripts.h"

#include <fmt/format.h>

// The scripts share the prelude below, after the lines that name the fixed keys (KeyNames()).
// Lua's tostring() prints numbers with 14 significant digits, so numbers that go into strings use
// string.format('%.0f').
namespace talky::redis_lua {
namespace {

constexpr std::string_view kPrelude = R"lua(
local now = tonumber(ARGV[1])
local DEPTH = 64
local WAKE_MAX = 64
local BAND = 1000000000000
local function tenant_limits(t)
  local v = redis.call('HMGET', LIMITS, 't:' .. t .. ':max', 't:' .. t .. ':threshold')
  return tonumber(v[1]) or tonumber(ARGV[2]), tonumber(v[2]) or tonumber(ARGV[3])
end
local function campaign_max(c)
  return tonumber(redis.call('HGET', LIMITS, 'c:' .. c .. ':max')) or tonumber(ARGV[4])
end
local function busy(field)
  return tonumber(redis.call('HGET', SLOTS, field)) or 0
end
local function wake(n)
  if n <= 0 then return end
  local tokens = {}
  for i = 1, math.min(n, WAKE_MAX) do tokens[i] = '1' end
  redis.call('LPUSH', WAKE, unpack(tokens))
  redis.call('LTRIM', WAKE, 0, WAKE_MAX - 1)
end
local function release(m)
  local tb = redis.call('HINCRBY', SLOTS, 't:' .. m[1], -1)
  if tb <= 0 then redis.call('HDEL', SLOTS, 't:' .. m[1]) end
  local cb = redis.call('HINCRBY', SLOTS, 'c:' .. m[2], -1)
  if cb <= 0 then redis.call('HDEL', SLOTS, 'c:' .. m[2]) end
  local tmax = tenant_limits(m[1])
  if tb + 1 >= tmax or cb + 1 >= campaign_max(m[2]) then wake(1) end
end
local function queue_keys(first_arg, n)
  local keys = {}
  for i = 1, n do keys[ARGV[first_arg + i - 1]] = KEYS[FIXED_KEYS + i] end
  return keys
end
-- Promote and recover pass each job's tenant beside its id; a tenant's queue key is the next
-- declared key (KEYS[FIXED_KEYS + 1] on) the first time the tenant appears, in the order the jobs come.
local function tenant_queue_keys()
  local keys, next_key = {}, FIXED_KEYS + 1
  return function(t)
    if not keys[t] then
      keys[t] = KEYS[next_key]
      next_key = next_key + 1
    end
    return keys[t]
  end
end
local function put_waiting(id, m, score, qkey)
  local _, threshold = tenant_limits(m[1])
  if m[3] >= threshold then
    redis.call('ZADD', LANE, score, id)
  elseif redis.call('ZADD', qkey, score, id) == 1 and redis.call('ZCARD', qkey) == 1 then
    redis.call('RPUSH', RING, m[1])
  end
end
local function lease_matches(id, token)
  local held = redis.call('HGET', LEASES, id)
  if not held then return nil end
  if string.sub(held, 1, #token + 1) ~= token .. ':' then return nil end
  return held
end
)lua";

constexpr std::string_view kTakeBody = R"lua(
local lease_us = tonumber(ARGV[5]) * 1000
local token = ARGV[6]
local want = tonumber(ARGV[7])
local declared = queue_keys(9, tonumber(ARGV[8]))
-- Each tenant's and campaign's pause flag, slots in use and cap, read once per call and kept up
-- to date as jobs are handed out, so a batch does not read them again.
local tenants, campaigns = {}, {}
local function tenant_state(t)
  if not tenants[t] then
    tenants[t] = {paused = redis.call('SISMEMBER', PAUSED, 't:' .. t) == 1,
                  busy = busy('t:' .. t), max = tenant_limits(t)}
  end
  return tenants[t]
end
local function campaign_state(c)
  if not campaigns[c] then
    campaigns[c] = {paused = redis.call('SISMEMBER', PAUSED, 'c:' .. c) == 1,
                    busy = busy('c:' .. c), max = campaign_max(c)}
  end
  return campaigns[c]
end
local function tenant_open(t)
  local state = tenant_state(t)
  return not state.paused and state.busy < state.max
end
local function campaign_open(c)
  local state = campaign_state(c)
  return not state.paused and state.busy < state.max
end
local function first_open(qkey, check_tenant)
  -- The head is nearly always the answer: look at it alone before reading deeper.
  for _, range in ipairs({{0, 0}, {1, DEPTH - 1}}) do
    local ids = redis.call('ZRANGE', qkey, range[1], range[2], 'WITHSCORES')
    if #ids == 0 then return nil end
    for i = 1, #ids, 2 do
      local m = cjson.decode(redis.call('HGET', META, ids[i]))
      if (not check_tenant or tenant_open(m[1])) and campaign_open(m[2]) then
        return ids[i], ids[i + 1], m
      end
    end
  end
  return nil
end
local function hand_out(qkey, id, score, m, out)
  redis.call('ZREM', qkey, id)
  local expires = now + lease_us
  redis.call('ZADD', PROCESSING, expires, id)
  redis.call('HSET', LEASES, id, token .. ':' .. score)
  redis.call('HINCRBY', SLOTS, 't:' .. m[1], 1)
  redis.call('HINCRBY', SLOTS, 'c:' .. m[2], 1)
  tenant_state(m[1]).busy = tenant_state(m[1]).busy + 1
  campaign_state(m[2]).busy = campaign_state(m[2]).busy + 1
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', JOBS, id)
  out[#out + 1] = string.format('%.0f', expires)
  out[2] = out[2] + 1
end
-- Hands out one job into `out`; returns false when there is none, 'stale' at a tenant whose
-- queue key the caller did not declare.
local function take_one(out)
  local id, score, m = first_open(LANE, true)
  if id then
    hand_out(LANE, id, score, m, out)
    return true
  end
  for _ = 1, redis.call('LLEN', RING) do
    local t = redis.call('LINDEX', RING, 0)
    if tenant_open(t) then
      local qkey = declared[t]
      if not qkey then return 'stale' end
      id, score, m = first_open(qkey, false)
      redis.call('LMOVE', RING, RING, 'LEFT', 'RIGHT')
      if id then
        hand_out(qkey, id, score, m, out)
        if redis.call('ZCARD', qkey) == 0 then redis.call('LREM', RING, 1, t) end
        return true
      end
    else
      redis.call('LMOVE', RING, RING, 'LEFT', 'RIGHT')
    end
  end
  return false
end

-- Due retries and expired leases go back to waiting before anything is handed out; the client
-- runs promote/recover (which need those jobs' tenant queue keys) and asks again.
if #redis.call('ZRANGEBYSCORE', SCHEDULED, '-inf', ARGV[1], 'LIMIT', 0, 1) > 0 or
   #redis.call('ZRANGEBYSCORE', PROCESSING, '-inf', ARGV[1], 'LIMIT', 0, 1) > 0 then
  return {'maintain', 0}
end
local out = {'ok', 0}
while out[2] < want do
  local got = take_one(out)
  if got == 'stale' then
    out[1] = 'stale'
    out[#out + 1] = redis.call('LRANGE', RING, 0, 31)
    return out
  end
  if not got then break end
end
if out[2] < want then redis.call('DEL', WAKE) end
return out
)lua";

constexpr std::string_view kEnqueueBody = R"lua(
local n = tonumber(ARGV[5])
local ids = {}
for j = 0, n - 1 do ids[j + 1] = ARGV[6 + j * 5] end
local existing = redis.call('HMGET', JOBS, unpack(ids))
local first = redis.call('INCRBY', SEQUENCE, n) - n
local queue_of, next_key = {}, FIXED_KEYS + 1
local bodies, metas, lane, queued, seen = {}, {}, {}, {}, {}
local added = 0
for j = 0, n - 1 do
  local base = 6 + j * 5
  local id, t, meta, priority = ARGV[base], ARGV[base + 1], ARGV[base + 2], tonumber(ARGV[base + 3])
  if not queue_of[t] then
    local _, threshold = tenant_limits(t)
    queue_of[t] = {key = KEYS[next_key], threshold = threshold}
    next_key = next_key + 1
  end
  if not existing[j + 1] and not seen[id] then
    seen[id] = true
    added = added + 1
    bodies[#bodies + 1] = id
    bodies[#bodies + 1] = ARGV[base + 4]
    metas[#metas + 1] = id
    metas[#metas + 1] = meta
    local target = lane
    if priority < queue_of[t].threshold then
      queued[t] = queued[t] or {}
      target = queued[t]
    end
    target[#target + 1] = string.format('%.0f', (10 - priority) * BAND + first + j + 1)
    target[#target + 1] = id
  end
end
if added == 0 then return 0 end
redis.call('HSET', JOBS, unpack(bodies))
redis.call('HSET', META, unpack(metas))
if #lane > 0 then redis.call('ZADD', LANE, unpack(lane)) end
for t, members in pairs(queued) do
  local qkey = queue_of[t].key
  local was_empty = redis.call('EXISTS', qkey) == 0
  redis.call('ZADD', qkey, unpack(members))
  if was_empty then redis.call('RPUSH', RING, t) end
end
redis.call('HINCRBY', STATS, 'total_enqueued', added)
wake(added)
return added
)lua";

constexpr std::string_view kExtendBody = R"lua(
if not lease_matches(ARGV[5], ARGV[6]) then return 0 end
local expires = now + tonumber(ARGV[7]) * 1000
redis.call('ZADD', PROCESSING, expires, ARGV[5])
return string.format('%.0f', expires)
)lua";

constexpr std::string_view kFinishBody = R"lua(
local id = ARGV[5]
if not lease_matches(id, ARGV[6]) then return 0 end
local m = cjson.decode(redis.call('HGET', META, id))
redis.call('ZREM', PROCESSING, id)
redis.call('HDEL', LEASES, id)
redis.call('HDEL', JOBS, id)
redis.call('HDEL', META, id)
release(m)
redis.call('HINCRBY', STATS, 'total_' .. ARGV[7], 1)
return 1
)lua";

constexpr std::string_view kScheduleRetryBody = R"lua(
local id = ARGV[5]
if not lease_matches(id, ARGV[6]) then return 0 end
local m = cjson.decode(redis.call('HGET', META, id))
if m[1] ~= ARGV[9] or m[2] ~= ARGV[10] then return -1 end
redis.call('ZREM', PROCESSING, id)
redis.call('HDEL', LEASES, id)
release(m)
redis.call('HSET', JOBS, id, ARGV[8])
redis.call('ZADD', SCHEDULED, ARGV[7], id)
redis.call('HINCRBY', STATS, 'total_retried', 1)
if redis.call('ZRANGE', SCHEDULED, 0, 0)[1] == id then wake(1) end
return 1
)lua";

constexpr std::string_view kDueCandidatesBody = R"lua(
local zset = SCHEDULED
if ARGV[5] == 'processing' then zset = PROCESSING end
local ids = redis.call('ZRANGEBYSCORE', zset, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[6]))
if #ids == 0 then return {} end
local metas = redis.call('HMGET', META, unpack(ids))
local out = {}
for i = 1, #ids do
  out[#out + 1] = ids[i]
  out[#out + 1] = metas[i] or ''
end
return out
)lua";

constexpr std::string_view kPromoteBody = R"lua(
local n = tonumber(ARGV[5])
local queue_key = tenant_queue_keys()
local moved = 0
for j = 0, n - 1 do
  local id = ARGV[6 + j * 2]
  local qkey = queue_key(ARGV[7 + j * 2])
  local due = redis.call('ZSCORE', SCHEDULED, id)
  if due and tonumber(due) <= now then
    redis.call('ZREM', SCHEDULED, id)
    local m = cjson.decode(redis.call('HGET', META, id))
    local sequence = redis.call('INCR', SEQUENCE)
    put_waiting(id, m, string.format('%.0f', (10 - m[3]) * BAND + sequence), qkey)
    moved = moved + 1
  end
end
wake(moved)
return moved
)lua";

constexpr std::string_view kRecoverBody = R"lua(
local n = tonumber(ARGV[5])
local queue_key = tenant_queue_keys()
local recovered = 0
for j = 0, n - 1 do
  local id = ARGV[6 + j * 2]
  local qkey = queue_key(ARGV[7 + j * 2])
  local expires = redis.call('ZSCORE', PROCESSING, id)
  if expires and tonumber(expires) <= now then
    local held = redis.call('HGET', LEASES, id)
    local score = string.sub(held, string.find(held, ':', 1, true) + 1)
    local m = cjson.decode(redis.call('HGET', META, id))
    redis.call('ZREM', PROCESSING, id)
    redis.call('HDEL', LEASES, id)
    release(m)
    put_waiting(id, m, score, qkey)
    recovered = recovered + 1
  end
end
if recovered > 0 then redis.call('HINCRBY', STATS, 'total_recovered', recovered) end
wake(recovered)
return recovered
)lua";

constexpr std::string_view kCancelBody = R"lua(
local tenant, campaign, qkey = ARGV[5], ARGV[6], KEYS[FIXED_KEYS + 1]
local removed = 0
local function sweep(zset)
  local ids = redis.call('ZRANGE', zset, 0, -1)
  for i = 1, #ids, 1000 do
    local chunk = {unpack(ids, i, math.min(i + 999, #ids))}
    local metas = redis.call('HMGET', META, unpack(chunk))
    for k = 1, #chunk do
      local m = cjson.decode(metas[k])
      if m[1] == tenant and m[2] == campaign then
        redis.call('ZREM', zset, chunk[k])
        redis.call('HDEL', JOBS, chunk[k])
        redis.call('HDEL', META, chunk[k])
        removed = removed + 1
      end
    end
  end
end
sweep(qkey)
sweep(LANE)
sweep(SCHEDULED)
if redis.call('EXISTS', qkey) == 0 then redis.call('LREM', RING, 0, tenant) end
return removed
)lua";

constexpr std::string_view kPauseBody = R"lua(
if ARGV[6] == '1' then
  redis.call('SADD', PAUSED, ARGV[5])
elseif redis.call('SREM', PAUSED, ARGV[5]) == 1 then
  wake(WAKE_MAX)
end
return 1
)lua";

constexpr std::string_view kSetLimitsBody = R"lua(
local pairs_ = {}
for i = 5, #ARGV do pairs_[#pairs_ + 1] = ARGV[i] end
redis.call('HSET', LIMITS, unpack(pairs_))
wake(WAKE_MAX)
return 1
)lua";

struct ScriptSource {
  Script script;
  std::string_view name;
  std::string_view body;
};

// The one table of scripts.
constexpr std::array<ScriptSource, kScriptCount> kScripts = {{
    {Script::kTake, "take", kTakeBody},
    {Script::kEnqueue, "enqueue", kEnqueueBody},
    {Script::kExtend, "extend lease", kExtendBody},
    {Script::kFinish, "finish", kFinishBody},
    {Script::kScheduleRetry, "schedule retry", kScheduleRetryBody},
    {Script::kDueCandidates, "due candidates", kDueCandidatesBody},
    {Script::kPromote, "promote", kPromoteBody},
    {Script::kRecover, "recover", kRecoverBody},
    {Script::kCancel, "cancel", kCancelBody},
    {Script::kPause, "pause", kPauseBody},
    {Script::kSetLimits, "set limits", kSetLimitsBody},
}};

constexpr bool InScriptOrder() {
  for (std::size_t i = 0; i < kScripts.size(); ++i) {
    if (static_cast<std::size_t>(kScripts[i].script) != i || kScripts[i].body.empty()) return false;
  }
  return true;
}
static_assert(InScriptOrder(), "kScripts must list every Script once, in order");

// local LANE = KEYS[1] ... and FIXED_KEYS, the count: tenant queue keys come after them.
std::string KeyNames() {
  std::string names;
  for (std::size_t i = 0; i < kFixedKeys.size(); ++i) {
    names += fmt::format("local {} = KEYS[{}]\n", kFixedKeys[i].lua_name, i + 1);
  }
  names += fmt::format("local FIXED_KEYS = {}\n", kFixedKeys.size());
  return names;
}

const ScriptSource& SourceOf(Script script) {
  return kScripts.at(static_cast<std::size_t>(script));
}

}  // namespace

std::string_view ScriptName(Script script) { return SourceOf(script).name; }

std::string ScriptText(Script script) {
  static const std::string kHead = KeyNames() + std::string(kPrelude);
  return kHead + std::string(SourceOf(script).body);
}

}  // namespace talky::redis_lua
