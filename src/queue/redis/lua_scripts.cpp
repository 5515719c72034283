#include "queue/redis/lua_scripts.h"

// The scripts share the prelude below. Lua's tostring() prints numbers with 14 significant digits,
// so numbers that go into strings use string.format('%.0f').
//
// Keys: 1 lane, 2 ring, 3 scheduled, 4 processing, 5 stats, 6 jobs, 7 meta, 8 leases, 9 slots,
// 10 limits, 11 paused, 12 sequence, 13 wake; then tenant queues.
namespace talky::redis_lua {
namespace {

constexpr char kPrelude[] = R"lua(
local now = tonumber(ARGV[1])
local DEPTH = 64
local WAKE_MAX = 64
local BAND = 1000000000000
local function tenant_limits(t)
  local v = redis.call('HMGET', KEYS[10], 't:' .. t .. ':max', 't:' .. t .. ':threshold')
  return tonumber(v[1]) or tonumber(ARGV[2]), tonumber(v[2]) or tonumber(ARGV[3])
end
local function campaign_max(c)
  return tonumber(redis.call('HGET', KEYS[10], 'c:' .. c .. ':max')) or tonumber(ARGV[4])
end
local function busy(field)
  return tonumber(redis.call('HGET', KEYS[9], field)) or 0
end
local function wake(n)
  if n <= 0 then return end
  local tokens = {}
  for i = 1, math.min(n, WAKE_MAX) do tokens[i] = '1' end
  redis.call('LPUSH', KEYS[13], unpack(tokens))
  redis.call('LTRIM', KEYS[13], 0, WAKE_MAX - 1)
end
local function release(m)
  local tb = redis.call('HINCRBY', KEYS[9], 't:' .. m[1], -1)
  if tb <= 0 then redis.call('HDEL', KEYS[9], 't:' .. m[1]) end
  local cb = redis.call('HINCRBY', KEYS[9], 'c:' .. m[2], -1)
  if cb <= 0 then redis.call('HDEL', KEYS[9], 'c:' .. m[2]) end
  local tmax = tenant_limits(m[1])
  if tb + 1 >= tmax or cb + 1 >= campaign_max(m[2]) then wake(1) end
end
local function queue_keys(first_arg, n)
  local keys = {}
  for i = 1, n do keys[ARGV[first_arg + i - 1]] = KEYS[13 + i] end
  return keys
end
-- Promote and recover pass each job's tenant beside its id; a tenant's queue key is the next
-- declared key (KEYS[14] on) the first time the tenant appears, in the order the jobs come.
local function tenant_queue_keys()
  local keys, next_key = {}, 14
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
    redis.call('ZADD', KEYS[1], score, id)
  elseif redis.call('ZADD', qkey, score, id) == 1 and redis.call('ZCARD', qkey) == 1 then
    redis.call('RPUSH', KEYS[2], m[1])
  end
end
local function lease_matches(id, token)
  local held = redis.call('HGET', KEYS[8], id)
  if not held then return nil end
  if string.sub(held, 1, #token + 1) ~= token .. ':' then return nil end
  return held
end
)lua";

}  // namespace

const std::string kTake = std::string(kPrelude) + R"lua(
local lease_us = tonumber(ARGV[5]) * 1000
local token = ARGV[6]
local want = tonumber(ARGV[7])
local declared = queue_keys(9, tonumber(ARGV[8]))
-- Each tenant's and campaign's pause flag, slots in use and cap, read once per call and kept up
-- to date as jobs are handed out, so a batch does not read them again.
local tenants, campaigns = {}, {}
local function tenant_state(t)
  if not tenants[t] then
    tenants[t] = {paused = redis.call('SISMEMBER', KEYS[11], 't:' .. t) == 1,
                  busy = busy('t:' .. t), max = tenant_limits(t)}
  end
  return tenants[t]
end
local function campaign_state(c)
  if not campaigns[c] then
    campaigns[c] = {paused = redis.call('SISMEMBER', KEYS[11], 'c:' .. c) == 1,
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
      local m = cjson.decode(redis.call('HGET', KEYS[7], ids[i]))
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
  redis.call('ZADD', KEYS[4], expires, id)
  redis.call('HSET', KEYS[8], id, token .. ':' .. score)
  redis.call('HINCRBY', KEYS[9], 't:' .. m[1], 1)
  redis.call('HINCRBY', KEYS[9], 'c:' .. m[2], 1)
  tenant_state(m[1]).busy = tenant_state(m[1]).busy + 1
  campaign_state(m[2]).busy = campaign_state(m[2]).busy + 1
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[6], id)
  out[#out + 1] = string.format('%.0f', expires)
  out[2] = out[2] + 1
end
-- Hands out one job into `out`; returns false when there is none, 'stale' at a tenant whose
-- queue key the caller did not declare.
local function take_one(out)
  local id, score, m = first_open(KEYS[1], true)
  if id then
    hand_out(KEYS[1], id, score, m, out)
    return true
  end
  for _ = 1, redis.call('LLEN', KEYS[2]) do
    local t = redis.call('LINDEX', KEYS[2], 0)
    if tenant_open(t) then
      local qkey = declared[t]
      if not qkey then return 'stale' end
      id, score, m = first_open(qkey, false)
      redis.call('LMOVE', KEYS[2], KEYS[2], 'LEFT', 'RIGHT')
      if id then
        hand_out(qkey, id, score, m, out)
        if redis.call('ZCARD', qkey) == 0 then redis.call('LREM', KEYS[2], 1, t) end
        return true
      end
    else
      redis.call('LMOVE', KEYS[2], KEYS[2], 'LEFT', 'RIGHT')
    end
  end
  return false
end

-- Due retries and expired leases go back to waiting before anything is handed out; the client
-- runs promote/recover (which need those jobs' tenant queue keys) and asks again.
if #redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, 1) > 0 or
   #redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[1], 'LIMIT', 0, 1) > 0 then
  return {'maintain', 0}
end
local out = {'ok', 0}
while out[2] < want do
  local got = take_one(out)
  if got == 'stale' then
    out[1] = 'stale'
    out[#out + 1] = redis.call('LRANGE', KEYS[2], 0, 31)
    return out
  end
  if not got then break end
end
if out[2] < want then redis.call('DEL', KEYS[13]) end
return out
)lua";

const std::string kEnqueue = std::string(kPrelude) + R"lua(
local n = tonumber(ARGV[5])
local ids = {}
for j = 0, n - 1 do ids[j + 1] = ARGV[6 + j * 5] end
local existing = redis.call('HMGET', KEYS[6], unpack(ids))
local first = redis.call('INCRBY', KEYS[12], n) - n
local queue_of, next_key = {}, 14
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
redis.call('HSET', KEYS[6], unpack(bodies))
redis.call('HSET', KEYS[7], unpack(metas))
if #lane > 0 then redis.call('ZADD', KEYS[1], unpack(lane)) end
for t, members in pairs(queued) do
  local qkey = queue_of[t].key
  local was_empty = redis.call('EXISTS', qkey) == 0
  redis.call('ZADD', qkey, unpack(members))
  if was_empty then redis.call('RPUSH', KEYS[2], t) end
end
redis.call('HINCRBY', KEYS[5], 'total_enqueued', added)
wake(added)
return added
)lua";

const std::string kExtend = std::string(kPrelude) + R"lua(
if not lease_matches(ARGV[5], ARGV[6]) then return 0 end
local expires = now + tonumber(ARGV[7]) * 1000
redis.call('ZADD', KEYS[4], expires, ARGV[5])
return string.format('%.0f', expires)
)lua";

const std::string kFinish = std::string(kPrelude) + R"lua(
local id = ARGV[5]
if not lease_matches(id, ARGV[6]) then return 0 end
local m = cjson.decode(redis.call('HGET', KEYS[7], id))
redis.call('ZREM', KEYS[4], id)
redis.call('HDEL', KEYS[8], id)
redis.call('HDEL', KEYS[6], id)
redis.call('HDEL', KEYS[7], id)
release(m)
redis.call('HINCRBY', KEYS[5], 'total_' .. ARGV[7], 1)
return 1
)lua";

const std::string kScheduleRetry = std::string(kPrelude) + R"lua(
local id = ARGV[5]
if not lease_matches(id, ARGV[6]) then return 0 end
local m = cjson.decode(redis.call('HGET', KEYS[7], id))
if m[1] ~= ARGV[9] or m[2] ~= ARGV[10] then return -1 end
redis.call('ZREM', KEYS[4], id)
redis.call('HDEL', KEYS[8], id)
release(m)
redis.call('HSET', KEYS[6], id, ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[7], id)
redis.call('HINCRBY', KEYS[5], 'total_retried', 1)
if redis.call('ZRANGE', KEYS[3], 0, 0)[1] == id then wake(1) end
return 1
)lua";

const std::string kDueCandidates = std::string(kPrelude) + R"lua(
local zset = KEYS[3]
if ARGV[5] == 'processing' then zset = KEYS[4] end
local ids = redis.call('ZRANGEBYSCORE', zset, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[6]))
if #ids == 0 then return {} end
local metas = redis.call('HMGET', KEYS[7], unpack(ids))
local out = {}
for i = 1, #ids do
  out[#out + 1] = ids[i]
  out[#out + 1] = metas[i] or ''
end
return out
)lua";

const std::string kPromote = std::string(kPrelude) + R"lua(
local n = tonumber(ARGV[5])
local queue_key = tenant_queue_keys()
local moved = 0
for j = 0, n - 1 do
  local id = ARGV[6 + j * 2]
  local qkey = queue_key(ARGV[7 + j * 2])
  local due = redis.call('ZSCORE', KEYS[3], id)
  if due and tonumber(due) <= now then
    redis.call('ZREM', KEYS[3], id)
    local m = cjson.decode(redis.call('HGET', KEYS[7], id))
    local sequence = redis.call('INCR', KEYS[12])
    put_waiting(id, m, string.format('%.0f', (10 - m[3]) * BAND + sequence), qkey)
    moved = moved + 1
  end
end
wake(moved)
return moved
)lua";

const std::string kRecover = std::string(kPrelude) + R"lua(
local n = tonumber(ARGV[5])
local queue_key = tenant_queue_keys()
local recovered = 0
for j = 0, n - 1 do
  local id = ARGV[6 + j * 2]
  local qkey = queue_key(ARGV[7 + j * 2])
  local expires = redis.call('ZSCORE', KEYS[4], id)
  if expires and tonumber(expires) <= now then
    local held = redis.call('HGET', KEYS[8], id)
    local score = string.sub(held, string.find(held, ':', 1, true) + 1)
    local m = cjson.decode(redis.call('HGET', KEYS[7], id))
    redis.call('ZREM', KEYS[4], id)
    redis.call('HDEL', KEYS[8], id)
    release(m)
    put_waiting(id, m, score, qkey)
    recovered = recovered + 1
  end
end
if recovered > 0 then redis.call('HINCRBY', KEYS[5], 'total_recovered', recovered) end
wake(recovered)
return recovered
)lua";

const std::string kCancel = std::string(kPrelude) + R"lua(
local tenant, campaign, qkey = ARGV[5], ARGV[6], KEYS[14]
local removed = 0
local function sweep(zset)
  local ids = redis.call('ZRANGE', zset, 0, -1)
  for i = 1, #ids, 1000 do
    local chunk = {unpack(ids, i, math.min(i + 999, #ids))}
    local metas = redis.call('HMGET', KEYS[7], unpack(chunk))
    for k = 1, #chunk do
      local m = cjson.decode(metas[k])
      if m[1] == tenant and m[2] == campaign then
        redis.call('ZREM', zset, chunk[k])
        redis.call('HDEL', KEYS[6], chunk[k])
        redis.call('HDEL', KEYS[7], chunk[k])
        removed = removed + 1
      end
    end
  end
end
sweep(qkey)
sweep(KEYS[1])
sweep(KEYS[3])
if redis.call('EXISTS', qkey) == 0 then redis.call('LREM', KEYS[2], 0, tenant) end
return removed
)lua";

const std::string kPause = std::string(kPrelude) + R"lua(
if ARGV[6] == '1' then
  redis.call('SADD', KEYS[11], ARGV[5])
elseif redis.call('SREM', KEYS[11], ARGV[5]) == 1 then
  wake(WAKE_MAX)
end
return 1
)lua";

const std::string kSetLimits = std::string(kPrelude) + R"lua(
local pairs_ = {}
for i = 5, #ARGV do pairs_[#pairs_ + 1] = ARGV[i] end
redis.call('HSET', KEYS[10], unpack(pairs_))
wake(WAKE_MAX)
return 1
)lua";

}  // namespace talky::redis_lua
