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
-- Frees the slots of the jobs whose metadata is in `ms`, in one read and one write of SLOTS; a
-- worker is woken for each job whose tenant or campaign was at its cap.
local function release(ms)
  if #ms == 0 then return end
  local fields, freed = {}, {}
  for _, m in ipairs(ms) do
    for _, field in ipairs({'t:' .. m[1], 'c:' .. m[2]}) do
      if not freed[field] then
        fields[#fields + 1] = field
        freed[field] = 0
      end
    end
  end
  local caps = {}
  for i, field in ipairs(fields) do caps[i] = field .. ':max' end
  local busy_now, max = {}, {}
  local busy_values = redis.call('HMGET', SLOTS, unpack(fields))
  local cap_values = redis.call('HMGET', LIMITS, unpack(caps))
  for i, field in ipairs(fields) do
    busy_now[field] = tonumber(busy_values[i]) or 0
    local default = ARGV[2]
    if string.sub(field, 1, 1) == 'c' then default = ARGV[4] end
    max[field] = tonumber(cap_values[i]) or tonumber(default)
  end
  local woken = 0
  for _, m in ipairs(ms) do
    local t, c = 't:' .. m[1], 'c:' .. m[2]
    if busy_now[t] >= max[t] or busy_now[c] >= max[c] then woken = woken + 1 end
    busy_now[t] = busy_now[t] - 1
    busy_now[c] = busy_now[c] - 1
  end
  local still, gone = {}, {}
  for _, field in ipairs(fields) do
    if busy_now[field] > 0 then
      still[#still + 1] = field
      still[#still + 1] = busy_now[field]
    else
      gone[#gone + 1] = field
    end
  end
  if #still > 0 then redis.call('HSET', SLOTS, unpack(still)) end
  if #gone > 0 then redis.call('HDEL', SLOTS, unpack(gone)) end
  wake(woken)
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
-- Each tenant's and campaign's pause flag, slots in use and cap, read once per call (both of a job
-- in one read of each hash) and kept up to date as jobs are handed out.
local states = {}
local function load_states(t, c)
  local fields = {}
  for _, field in ipairs({'t:' .. t, c and 'c:' .. c}) do
    if field and not states[field] then fields[#fields + 1] = field end
  end
  if #fields == 0 then return end
  local caps = {}
  for i, field in ipairs(fields) do caps[i] = field .. ':max' end
  local paused = redis.call('SMISMEMBER', PAUSED, unpack(fields))
  local busy_values = redis.call('HMGET', SLOTS, unpack(fields))
  local cap_values = redis.call('HMGET', LIMITS, unpack(caps))
  for i, field in ipairs(fields) do
    local default = ARGV[2]
    if string.sub(field, 1, 1) == 'c' then default = ARGV[4] end
    states[field] = {paused = paused[i] == 1, busy = tonumber(busy_values[i]) or 0,
                     max = tonumber(cap_values[i]) or tonumber(default)}
  end
end
local function open(field)
  local state = states[field]
  return not state.paused and state.busy < state.max
end
-- The first job of `qkey` whose tenant and campaign are open; nil if none of the first DEPTH is.
-- `tenant`: the queue's tenant (nil for the lane), so a closed tenant's queue is not read further.
local function first_open(qkey, tenant)
  -- The head is nearly always the answer: look at it alone before reading deeper.
  for _, range in ipairs({{0, 0}, {1, DEPTH - 1}}) do
    local ids = redis.call('ZRANGE', qkey, range[1], range[2], 'WITHSCORES')
    if #ids == 0 then return nil end
    for i = 1, #ids, 2 do
      local m = cjson.decode(redis.call('HGET', META, ids[i]))
      load_states(m[1], m[2])
      if tenant and not open('t:' .. tenant) then return nil end
      if open('t:' .. m[1]) and open('c:' .. m[2]) then return ids[i], ids[i + 1], m end
    end
  end
  return nil
end
-- What the jobs handed out so far change, written once at the end of the call.
local leased, leases, slot_delta, slot_fields = {}, {}, {}, {}
local function hand_out(qkey, id, score, m, out)
  redis.call('ZREM', qkey, id)
  local expires = string.format('%.0f', now + lease_us)
  leased[#leased + 1] = expires
  leased[#leased + 1] = id
  leases[#leases + 1] = id
  leases[#leases + 1] = token .. ':' .. score
  for _, field in ipairs({'t:' .. m[1], 'c:' .. m[2]}) do
    if not slot_delta[field] then
      slot_fields[#slot_fields + 1] = field
      slot_delta[field] = 0
    end
    slot_delta[field] = slot_delta[field] + 1
    states[field].busy = states[field].busy + 1
  end
  out[#out + 1] = id
  out[#out + 1] = false  -- the body, read with the others at the end
  out[#out + 1] = expires
  out[2] = out[2] + 1
end
local function write_hand_outs(out)
  if out[2] == 0 then return end
  redis.call('ZADD', PROCESSING, unpack(leased))
  redis.call('HSET', LEASES, unpack(leases))
  for _, field in ipairs(slot_fields) do redis.call('HINCRBY', SLOTS, field, slot_delta[field]) end
  local ids = {}
  for j = 1, out[2] do ids[j] = out[3 * j] end
  local bodies = redis.call('HMGET', JOBS, unpack(ids))
  for j = 1, out[2] do out[3 * j + 1] = bodies[j] end
end
-- The rotation's length, read once: only this call's removals change it while it runs.
local ring_size = redis.call('LLEN', RING)
-- Hands out one job into `out`; returns false when there is none, 'stale' at a tenant whose
-- queue key the caller did not declare.
local function take_one(out)
  local id, score, m = first_open(LANE, nil)
  if id then
    hand_out(LANE, id, score, m, out)
    return true
  end
  for _ = 1, ring_size do
    -- The head goes to the back whether it gives a job or not.
    local t = redis.call('LMOVE', RING, RING, 'LEFT', 'RIGHT')
    local qkey = declared[t]
    if not qkey then
      load_states(t, nil)
      if open('t:' .. t) then
        redis.call('LMOVE', RING, RING, 'RIGHT', 'LEFT')
        return 'stale'
      end
    elseif not states['t:' .. t] or open('t:' .. t) then
      id, score, m = first_open(qkey, t)
      if id then
        hand_out(qkey, id, score, m, out)
        if redis.call('ZCARD', qkey) == 0 then
          redis.call('LREM', RING, -1, t)
          ring_size = ring_size - 1
        end
        return true
      end
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
    write_hand_outs(out)
    out[1] = 'stale'
    out[#out + 1] = redis.call('LRANGE', RING, 0, 31)
    return out
  end
  if not got then break end
end
write_hand_outs(out)
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
local n = tonumber(ARGV[6])
local ids = {}
for j = 1, n do ids[j] = ARGV[5 + j * 2] end
local held = redis.call('HMGET', LEASES, unpack(ids))
local metas = redis.call('HMGET', META, unpack(ids))
local out, done, finished, finished_metas = {}, {}, {}, {}
for j = 1, n do
  local id, token = ids[j], ARGV[6 + j * 2]
  out[j] = 0
  -- A lease named twice in one call is finished once: `held` was read before either.
  if not done[id] and held[j] and string.sub(held[j], 1, #token + 1) == token .. ':' then
    done[id] = true
    out[j] = 1
    finished[#finished + 1] = id
    finished_metas[#finished_metas + 1] = cjson.decode(metas[j])
  end
end
if #finished == 0 then return out end
redis.call('ZREM', PROCESSING, unpack(finished))
redis.call('HDEL', LEASES, unpack(finished))
redis.call('HDEL', JOBS, unpack(finished))
redis.call('HDEL', META, unpack(finished))
release(finished_metas)
redis.call('HINCRBY', STATS, 'total_' .. ARGV[5], #finished)
return out
)lua";

constexpr std::string_view kScheduleRetryBody = R"lua(
local id = ARGV[5]
if not lease_matches(id, ARGV[6]) then return 0 end
local m = cjson.decode(redis.call('HGET', META, id))
if m[1] ~= ARGV[9] or m[2] ~= ARGV[10] then return -1 end
redis.call('ZREM', PROCESSING, id)
redis.call('HDEL', LEASES, id)
release({m})
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
local recovered, released = 0, {}
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
    released[#released + 1] = m
    put_waiting(id, m, score, qkey)
    recovered = recovered + 1
  end
end
release(released)
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
