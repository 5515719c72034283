#include "queue/redis/lua_scripts.h"

#include <fmt/format.h>

// Lua's tostring() prints numbers with 14 significant digits, so numbers that go into strings use
// string.format('%.0f').
namespace talky::redis_lua {
namespace {

// The helper functions below, as a bit set.
enum Helper : unsigned {
  kTenantLimits = 1u << 0,
  kWake = 1u << 1,
  kRelease = 1u << 2,
  kTenantQueueKeys = 1u << 3,
  kPutWaiting = 1u << 4,
  kLeaseMatches = 1u << 5,
};

// Every script starts with these, after the lines that name the fixed keys (KeyNames()).
constexpr std::string_view kCommon = R"lua(
local now = tonumber(ARGV[1])
local DEPTH = 64
local WAKE_MAX = 64
local BAND = 1000000000000
local COLON = string.byte(':')
)lua";

// Helper functions, each put only into the scripts that use it: Lua builds a script's functions
// anew on every call, which is a large part of a short script's time.
constexpr std::string_view kTenantLimitsCode = R"lua(
local function tenant_limits(t)
  local v = redis.call('HMGET', LIMITS, 't:' .. t .. ':max', 't:' .. t .. ':threshold')
  return tonumber(v[1]) or tonumber(ARGV[2]), tonumber(v[2]) or tonumber(ARGV[3])
end
)lua";

constexpr std::string_view kWakeCode = R"lua(
local function wake(n)
  if n <= 0 then return end
  local tokens = {}
  for i = 1, math.min(n, WAKE_MAX) do tokens[i] = '1' end
  redis.call('LPUSH', WAKE, unpack(tokens))
  redis.call('LTRIM', WAKE, 0, WAKE_MAX - 1)
end
)lua";

constexpr std::string_view kReleaseCode = R"lua(
-- Frees the slots of the jobs whose metadata is in `ms`, in one read and one write of SLOTS; a
-- worker is woken for each job whose tenant or campaign was at its cap.
local function release(ms)
  if #ms == 0 then return end
  -- Each tenant and campaign once, by its position in `fields`.
  local fields, at = {}, {}
  for _, m in ipairs(ms) do
    m.tenant_field, m.campaign_field = 't:' .. m[1], 'c:' .. m[2]
    if not at[m.tenant_field] then
      fields[#fields + 1] = m.tenant_field
      at[m.tenant_field] = #fields
    end
    if not at[m.campaign_field] then
      fields[#fields + 1] = m.campaign_field
      at[m.campaign_field] = #fields
    end
  end
  local caps = {}
  for i = 1, #fields do caps[i] = fields[i] .. ':max' end
  local busy = redis.call('HMGET', SLOTS, unpack(fields))
  local max = redis.call('HMGET', LIMITS, unpack(caps))
  for i = 1, #fields do
    busy[i] = tonumber(busy[i]) or 0
    max[i] = tonumber(max[i]) or tonumber(string.sub(fields[i], 1, 1) == 'c' and ARGV[4] or ARGV[2])
  end
  local woken = 0
  for _, m in ipairs(ms) do
    local t, c = at[m.tenant_field], at[m.campaign_field]
    if busy[t] >= max[t] or busy[c] >= max[c] then woken = woken + 1 end
    busy[t], busy[c] = busy[t] - 1, busy[c] - 1
  end
  local still, gone = {}, {}
  for i = 1, #fields do
    if busy[i] > 0 then
      still[#still + 1] = fields[i]
      still[#still + 1] = busy[i]
    else
      gone[#gone + 1] = fields[i]
    end
  end
  if #still > 0 then redis.call('HSET', SLOTS, unpack(still)) end
  if #gone > 0 then redis.call('HDEL', SLOTS, unpack(gone)) end
  wake(woken)
end
)lua";

constexpr std::string_view kTenantQueueKeysCode = R"lua(
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
)lua";

constexpr std::string_view kPutWaitingCode = R"lua(
local function put_waiting(id, m, score, qkey)
  local _, threshold = tenant_limits(m[1])
  if m[3] >= threshold then
    redis.call('ZADD', LANE, score, id)
  elseif redis.call('ZADD', qkey, score, id) == 1 and redis.call('ZCARD', qkey) == 1 then
    redis.call('RPUSH', RING, m[1])
  end
end
)lua";

constexpr std::string_view kLeaseMatchesCode = R"lua(
local function lease_matches(id, token)
  local held = redis.call('HGET', LEASES, id)
  if not held then return nil end
  if string.sub(held, 1, #token + 1) ~= token .. ':' then return nil end
  return held
end
)lua";

struct HelperSource {
  Helper helper;
  std::string_view code;
  unsigned needs;  // helpers it calls, listed before it in kHelpers
};

// In an order where each helper comes after those it calls.
constexpr std::array<HelperSource, 6> kHelpers = {{
    {kTenantLimits, kTenantLimitsCode, 0},
    {kWake, kWakeCode, 0},
    {kRelease, kReleaseCode, kWake},
    {kTenantQueueKeys, kTenantQueueKeysCode, 0},
    {kPutWaiting, kPutWaitingCode, kTenantLimits},
    {kLeaseMatches, kLeaseMatchesCode, 0},
}};

constexpr std::string_view kTakeBody = R"lua(
local lease_us = tonumber(ARGV[5]) * 1000
local token = ARGV[6]
local want = tonumber(ARGV[7])
-- Tenants of the rotation that a take cut short by 'stale' had looked at already: this call's
-- first pass over the rotation looks at that many fewer, as one take would have.
local skip = tonumber(ARGV[8])
-- Tenant -> its queue key, as the caller declared them.
local declared = {}
for i = 1, tonumber(ARGV[9]) do declared[ARGV[9 + i]] = KEYS[FIXED_KEYS + i] end
-- {status, count, (id, body, expires) * count}
local out = {'ok', 0}
-- Each tenant's and campaign's pause flag, slots in use and cap ("t:TENANT" / "c:CAMPAIGN"), read
-- once per call, many at a time, and kept up to date as jobs are handed out.
local states = {}
local function load_states(wanted)
  local fields, seen = {}, {}
  for _, field in ipairs(wanted) do
    if not states[field] and not seen[field] then
      seen[field] = true
      fields[#fields + 1] = field
    end
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
-- What this call has read of each queue it looked at: the first jobs in order, read a few at a
-- time. Jobs handed out leave their queue at the end of the call, so ranks do not move meanwhile.
-- Before `next`, every job was handed out or found closed; a closed tenant or campaign stays
-- closed for the rest of the call (its slots only fill up), so those jobs are not looked at again.
local views = {}
-- Reads up to `count` more jobs of each queue in `reads` ({qkey, count} each), with one read of
-- their metadata and one of their tenants' and campaigns' states.
local function read_more(reads)
  local ids, owners = {}, {}
  for _, read in ipairs(reads) do
    local view = views[read[1]]
    if not view then
      view = {ids = {}, scores = {}, metas = {}, next = 1, handed_out = {}, complete = false}
      views[read[1]] = view
    end
    local first = #view.ids
    local rows = redis.call('ZRANGE', read[1], first, first + read[2] - 1, 'WITHSCORES')
    if #rows < read[2] * 2 then view.complete = true end
    for k = 1, #rows, 2 do
      view.ids[#view.ids + 1] = rows[k]
      view.scores[#view.scores + 1] = rows[k + 1]
      ids[#ids + 1] = rows[k]
      owners[#owners + 1] = view
    end
  end
  if #ids == 0 then return end
  local metas, fields = redis.call('HMGET', META, unpack(ids)), {}
  for k = 1, #ids do
    local m = cjson.decode(metas[k])
    m.tenant_field, m.campaign_field = 't:' .. m[1], 'c:' .. m[2]
    owners[k].metas[#owners[k].metas + 1] = m
    fields[#fields + 1] = m.tenant_field
    fields[#fields + 1] = m.campaign_field
  end
  load_states(fields)
end
-- The index of the first job among the first DEPTH still waiting in `qkey` whose tenant and
-- campaign are open, reading up to `count` more jobs at a time; nil if there is none (at once when
-- the queue's tenant, "t:TENANT" in `tenant_field`, is closed).
local function first_open(qkey, tenant_field, count)
  if not views[qkey] then read_more({{qkey, math.min(count, DEPTH)}}) end
  local view = views[qkey]
  local i = view.next
  while i - 1 - #view.handed_out < DEPTH do
    if i > #view.ids then
      if view.complete then break end
      read_more({{qkey, math.min(count, DEPTH + #view.handed_out - #view.ids)}})
      if i > #view.ids then break end
    end
    if tenant_field and not open(tenant_field) then break end
    local m = view.metas[i]
    if open(m.tenant_field) and open(m.campaign_field) then
      view.next = i + 1
      return view, i
    end
    i = i + 1
  end
  view.next = i
  return nil
end
-- What the jobs handed out so far change, written once at the end of the call.
local leased, leases, slot_fields, counted = {}, {}, {}, {}
local expires = string.format('%.0f', now + lease_us)
local function hand_out(view, i)
  local id, m = view.ids[i], view.metas[i]
  view.handed_out[#view.handed_out + 1] = id
  leased[#leased + 1] = expires
  leased[#leased + 1] = id
  leases[#leases + 1] = id
  leases[#leases + 1] = token .. ':' .. view.scores[i]
  for _, field in ipairs({m.tenant_field, m.campaign_field}) do
    if not counted[field] then
      slot_fields[#slot_fields + 1] = field
      counted[field] = true
    end
    states[field].busy = states[field].busy + 1
  end
  out[#out + 1] = id
  out[#out + 1] = false  -- the body, read with the others at the end
  out[#out + 1] = expires
  out[2] = out[2] + 1
end
-- The rotation. The call's first visit moves its head to the back at once (LMOVE: a take of one
-- job needs nothing more). Later visits are kept here and written back once at the end: `ahead`
-- holds heads read off RING and not visited yet (from `ahead_at`), `behind` the visited tenants
-- still in the rotation, in visit order, `popped` how many heads were read off RING. RING then
-- becomes the rest of `ahead`, RING's unread part, then `behind`: as if each visit had moved its
-- head to the back.
local ring_length = redis.call('LLEN', RING)
local ring_size = ring_length  -- tenants in the rotation, less those this call removed
local ahead, ahead_at, behind, popped, rotated = {}, 1, {}, 0, false
local function fill_ahead()
  if ahead_at <= #ahead then return end
  if popped < ring_length then
    ahead = redis.call('LRANGE', RING, popped, popped + want - out[2] - 1)
    popped = popped + #ahead
  else
    ahead, behind = behind, {}
  end
  ahead_at = 1
end
-- The next tenant to visit, and whether it was moved to the back already.
local function next_head()
  if not rotated then
    rotated = true
    return redis.call('LMOVE', RING, RING, 'LEFT', 'RIGHT'), true
  end
  fill_ahead()
  ahead_at = ahead_at + 1
  return ahead[ahead_at - 1], false
end
local function write_hand_outs()
  if popped > 0 then
    redis.call('LTRIM', RING, popped, -1)
    if ahead_at <= #ahead then
      local front = {}
      for k = #ahead, ahead_at, -1 do front[#front + 1] = ahead[k] end
      redis.call('LPUSH', RING, unpack(front))
    end
    if #behind > 0 then redis.call('RPUSH', RING, unpack(behind)) end
  end
  if out[2] == 0 then return end
  for qkey, view in pairs(views) do
    if #view.handed_out > 0 then redis.call('ZREM', qkey, unpack(view.handed_out)) end
  end
  redis.call('ZADD', PROCESSING, unpack(leased))
  redis.call('HSET', LEASES, unpack(leases))
  local slots = {}
  for _, field in ipairs(slot_fields) do
    slots[#slots + 1] = field
    slots[#slots + 1] = states[field].busy
  end
  redis.call('HSET', SLOTS, unpack(slots))
  local ids = {}
  for j = 1, out[2] do ids[j] = out[3 * j] end
  local bodies = redis.call('HMGET', JOBS, unpack(ids))
  for j = 1, out[2] do out[3 * j + 1] = bodies[j] end
end
-- Hands out one job into `out`; returns false when there is none, 'stale' at a tenant whose
-- queue key the caller did not declare.
local function take_one()
  local remaining = want - out[2]
  local view, i = first_open(LANE, nil, remaining)
  if view then
    hand_out(view, i)
    return true
  end
  -- Read about this tenant's share of the rest of the call at a time, and one job more, so that
  -- the queue's size is rarely asked for.
  local count = math.min(2 + math.floor((remaining - 1) / math.max(ring_size, 1)), DEPTH)
  local looked = skip
  skip = 0
  for _ = looked + 1, ring_size do
    -- The head goes to the back whether it gives a job or not.
    local t, moved = next_head()
    local qkey, tenant_field = declared[t], 't:' .. t
    view, i = nil, nil
    if not qkey then
      load_states({tenant_field})
      if open(tenant_field) then
        if moved then
          redis.call('LMOVE', RING, RING, 'RIGHT', 'LEFT')
        else
          ahead_at = ahead_at - 1
        end
        return 'stale', looked
      end
    elseif not states[tenant_field] or open(tenant_field) then
      if not views[qkey] then
        -- The queues of the tenants after it in the rotation are read too (about as many as jobs
        -- are still wanted), with one read of metadata and states for all.
        local reads = {{qkey, count}}
        if remaining > 1 then
          fill_ahead()
          for k = ahead_at, math.min(#ahead, ahead_at + remaining - 2) do
            local next_qkey = declared[ahead[k]]
            if next_qkey and not views[next_qkey] then reads[#reads + 1] = {next_qkey, count} end
          end
        end
        read_more(reads)
      end
      view, i = first_open(qkey, tenant_field, count)
    end
    local emptied = false
    if view then
      hand_out(view, i)
      emptied = #view.handed_out == #view.ids and
                (view.complete or redis.call('ZCARD', qkey) == #view.handed_out)
    end
    -- A tenant whose queue this emptied leaves the rotation: a head read off RING by not being
    -- put back, the head moved at once by being removed (from what was read ahead, if it was).
    if emptied then ring_size = ring_size - 1 end
    if not moved and not emptied then
      behind[#behind + 1] = t
    elseif moved and emptied and popped == ring_length then
      ahead[#ahead] = nil
    elseif moved and emptied then
      redis.call('LREM', RING, -1, t)
      ring_length = ring_length - 1
    end
    if view then return true end
    looked = looked + 1
  end
  return false
end

-- Due retries and expired leases go back to waiting before anything is handed out; the client
-- runs promote/recover (which need those jobs' tenant queue keys) and asks again.
if #redis.call('ZRANGEBYSCORE', SCHEDULED, '-inf', ARGV[1], 'LIMIT', 0, 1) > 0 or
   #redis.call('ZRANGEBYSCORE', PROCESSING, '-inf', ARGV[1], 'LIMIT', 0, 1) > 0 then
  return {'maintain', 0}
end
while out[2] < want do
  local got, looked = take_one()
  if got == 'stale' then
    write_hand_outs()
    out[1] = 'stale'
    out[#out + 1] = redis.call('LRANGE', RING, 0, 31)
    out[#out + 1] = looked
    return out
  end
  if not got then break end
end
write_hand_outs()
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
-- queued: tenant -> its new members; queued_tenants: those tenants in the order their first job
-- came, which is the order they join the rotation in.
local bodies, metas, lane, queued, queued_tenants, seen = {}, {}, {}, {}, {}, {}
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
      if not queued[t] then
        queued[t] = {}
        queued_tenants[#queued_tenants + 1] = t
      end
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
for _, t in ipairs(queued_tenants) do
  local qkey = queue_of[t].key
  local was_empty = redis.call('EXISTS', qkey) == 0
  redis.call('ZADD', qkey, unpack(queued[t]))
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
  if not done[id] and held[j] and string.sub(held[j], 1, #token) == token and
     string.byte(held[j], #token + 1) == COLON then
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
  unsigned helpers;  // the helpers the body calls
};

// The one table of scripts.
constexpr std::array<ScriptSource, kScriptCount> kScripts = {{
    {Script::kTake, "take", kTakeBody, 0},
    {Script::kEnqueue, "enqueue", kEnqueueBody, kTenantLimits | kWake},
    {Script::kExtend, "extend lease", kExtendBody, kLeaseMatches},
    {Script::kFinish, "finish", kFinishBody, kRelease},
    {Script::kScheduleRetry, "schedule retry", kScheduleRetryBody,
     kLeaseMatches | kRelease | kWake},
    {Script::kDueCandidates, "due candidates", kDueCandidatesBody, 0},
    {Script::kPromote, "promote", kPromoteBody, kTenantQueueKeys | kPutWaiting | kWake},
    {Script::kRecover, "recover", kRecoverBody, kTenantQueueKeys | kRelease | kPutWaiting | kWake},
    {Script::kCancel, "cancel", kCancelBody, 0},
    {Script::kPause, "pause", kPauseBody, kWake},
    {Script::kSetLimits, "set limits", kSetLimitsBody, kWake},
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
  const ScriptSource& source = SourceOf(script);
  unsigned helpers = source.helpers;
  for (auto it = kHelpers.rbegin(); it != kHelpers.rend(); ++it) {
    if (helpers & it->helper) helpers |= it->needs;
  }
  std::string text = KeyNames() + std::string(kCommon);
  for (const HelperSource& helper : kHelpers) {
    if (helpers & helper.helper) text += helper.code;
  }
  return text + std::string(source.body);
}

}  // namespace talky::redis_lua
