/**
 * The Redis store's Lua scripts. Each runs atomically on the server, so one call's reserve over
 * all of its lines is one round trip and no other replica can interleave.
 *
 * Every key starts with the prefix `{namespace}:` passed as ARGV[1]; KEYS[1] is the lease set,
 * declared so Redis Cluster routes the script, and the shared hash tag puts every key of a
 * namespace in that same slot (a reservation spans lines of several scopes, so the whole
 * namespace has to live in one slot for the script to stay atomic).
 *
 * Layout: `line:<key>` hash (c committed, r reserved, n calls, and the line's settings);
 * `res:<id>` hash (a amount, l line keys joined by "\n", e lease end); `leases` sorted set of
 * reservation ids by lease end; `tomb:<id>` hash (a, l) kept after a lease expired so a late
 * commit still charges, expiring on its own.
 */

/** Frees leases that ended by ARGV[2] (now), at most 100 per run, leaving tombstones. ARGV[3] is the tombstone retention. */
const sweep = `
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local retention = tonumber(ARGV[3])
local function split(text)
  local parts = {}
  for part in string.gmatch(text, '[^\\n]+') do parts[#parts + 1] = part end
  return parts
end
-- HINCRBY rejects "-0", which is how Lua prints minus zero: skip zero changes.
local function add(key, field, amount)
  if amount ~= 0 then return redis.call('HINCRBY', key, field, amount) end
  return tonumber(redis.call('HGET', key, field) or '0')
end
-- A tombstone counts until its purge time by the callers' clock; Redis's own expiry only cleans up.
local function liveTomb(id)
  local tomb = prefix .. 'tomb:' .. id
  local purgeAt = redis.call('HGET', tomb, 'p')
  if not purgeAt then return nil end
  if tonumber(purgeAt) <= now then
    redis.call('DEL', tomb)
    return nil
  end
  return tomb
end
local function sweep()
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, 100)
  for i = 1, #expired, 2 do
    local id = expired[i]
    local leaseEnd = tonumber(expired[i + 1])
    local res = prefix .. 'res:' .. id
    local saved = redis.call('HMGET', res, 'a', 'l')
    if saved[1] then
      local amount = tonumber(saved[1])
      for _, lineKey in ipairs(split(saved[2])) do
        local line = prefix .. 'line:' .. lineKey
        if redis.call('EXISTS', line) == 1 then add(line, 'r', -amount) end
      end
      local tomb = prefix .. 'tomb:' .. id
      local ttl = leaseEnd + retention - now
      if ttl > 0 then
        redis.call('HSET', tomb, 'a', saved[1], 'l', saved[2], 'p', leaseEnd + retention)
        redis.call('PEXPIRE', tomb, ttl)
      end
      redis.call('DEL', res)
    end
    redis.call('ZREM', KEYS[1], id)
  end
end
`;

/**
 * ARGV: prefix, now, retention, id, amount, calls, lease end, then the lines as JSON (one round of
 * argument parsing instead of eight per line): per line [key, scope, window, window start, window
 * end, money limit ('' for none), call limit ('' for none), TTL in ms (0: none)], the numbers that
 * are stored sent as strings so they are stored exactly as given.
 * Returns {1, amount, lease end} when reserved (or already held), else
 * {0, reason (1 money, 2 calls), line index, committed, reserved, calls}.
 */
export const reserveScript = `${sweep}
sweep()
local id = ARGV[4]
local amount = tonumber(ARGV[5])
local calls = tonumber(ARGV[6])
local leaseEnd = tonumber(ARGV[7])
local res = prefix .. 'res:' .. id
local held = redis.call('HMGET', res, 'a', 'e')
if held[1] then return {1, tonumber(held[1]), tonumber(held[2])} end
local lines = cjson.decode(ARGV[8])
local states = {}
for i, spec in ipairs(lines) do
  local state = redis.call('HMGET', prefix .. 'line:' .. spec[1], 'c', 'r', 'n', 'lim', 'cl', 'we')
  states[i] = state
  local committed = tonumber(state[1] or '0')
  local reserved = tonumber(state[2] or '0')
  local used = tonumber(state[3] or '0')
  if spec[6] ~= '' and committed + reserved + amount > tonumber(spec[6]) then return {0, 1, i - 1, committed, reserved, used} end
  if spec[7] ~= '' and used + calls > tonumber(spec[7]) then return {0, 2, i - 1, committed, reserved, used} end
end
-- Reserving a reclaimed id again is a retry of the same call: the new lease replaces the late charge.
redis.call('DEL', prefix .. 'tomb:' .. id)
local keys = {}
for i, spec in ipairs(lines) do
  local line = prefix .. 'line:' .. spec[1]
  local state = states[i]
  keys[i] = spec[1]
  -- Settings are written when the line is new or they changed ('' stands for no limit).
  if (state[4] or '') ~= spec[6] or (state[5] or '') ~= spec[7] or state[6] ~= spec[5] then
    redis.call('HSET', line, 'scope', spec[2], 'window', spec[3], 'ws', spec[4], 'we', spec[5], 'lim', spec[6], 'cl', spec[7])
    if spec[8] > 0 then redis.call('PEXPIRE', line, spec[8]) end
  end
  add(line, 'r', amount)
  add(line, 'n', calls)
end
redis.call('HSET', res, 'a', amount, 'l', table.concat(keys, '\\n'), 'e', leaseEnd)
redis.call('ZADD', KEYS[1], leaseEnd, id)
return {1, amount, leaseEnd}
`;

/**
 * ARGV: prefix, now, retention, id, actual. Returns {applied, lease expired, then per line still
 * kept: key, committed, reserved}.
 */
export const commitScript = `${sweep}
sweep()
local id = ARGV[4]
local actual = tonumber(ARGV[5])
local function settle(key, freed)
  local saved = redis.call('HMGET', key, 'a', 'l')
  local result = {}
  for _, lineKey in ipairs(split(saved[2])) do
    local line = prefix .. 'line:' .. lineKey
    if redis.call('EXISTS', line) == 1 then
      local reserved = add(line, 'r', freed and -tonumber(saved[1]) or 0)
      local committed = add(line, 'c', actual)
      result[#result + 1] = lineKey
      result[#result + 1] = committed
      result[#result + 1] = reserved
    end
  end
  redis.call('DEL', key)
  return result
end
local res = prefix .. 'res:' .. id
if redis.call('EXISTS', res) == 1 then
  local lines = settle(res, true)
  redis.call('ZREM', KEYS[1], id)
  return {1, 0, unpack(lines)}
end
local tomb = liveTomb(id)
if tomb then
  return {1, 1, unpack(settle(tomb, false))}
end
return {0, 0}
`;

/** ARGV: prefix, now, retention, id. Returns 1 when it freed reserved budget (a tombstone is forgotten but returns 0). */
export const releaseScript = `${sweep}
sweep()
local id = ARGV[4]
local res = prefix .. 'res:' .. id
local saved = redis.call('HMGET', res, 'a', 'l')
if not saved[1] then
  redis.call('DEL', prefix .. 'tomb:' .. id)
  return 0
end
local amount = tonumber(saved[1])
for _, lineKey in ipairs(split(saved[2])) do
  local line = prefix .. 'line:' .. lineKey
  if redis.call('EXISTS', line) == 1 then add(line, 'r', -amount) end
end
redis.call('DEL', res)
redis.call('ZREM', KEYS[1], id)
return 1
`;

/**
 * ARGV: prefix, now, retention, then line keys. Returns per key {committed, reserved, calls, scope,
 * window, window start, window end, limit, call limit}, or {false} for an unknown key.
 */
export const snapshotScript = `${sweep}
sweep()
local result = {}
for i = 4, #ARGV do
  local state = redis.call('HMGET', prefix .. 'line:' .. ARGV[i], 'c', 'r', 'n', 'scope', 'window', 'ws', 'we', 'lim', 'cl')
  result[#result + 1] = state
end
return result
`;

/**
 * ARGV: prefix, now, retention, mark key, expiry. Returns 1 for the first claim of a mark that has
 * not expired by the callers' clock (Redis's own expiry only cleans up), else 0.
 */
export const claimMarkScript = `${sweep}
local mark = prefix .. 'mark:' .. ARGV[4]
local expiresAt = tonumber(ARGV[5])
local held = redis.call('GET', mark)
if held and tonumber(held) > now then return 0 end
if expiresAt <= now then
  redis.call('DEL', mark)
  return 1
end
redis.call('SET', mark, ARGV[5], 'PX', expiresAt - now)
return 1
`;

/**
 * ARGV: prefix, now, retention, then JSON: per line the reserve script's 8 fields, then committed
 * and calls to add. Adds spend made elsewhere (a replica's local allowance while Redis was down)
 * to the shared counters.
 */
export const addSpendScript = `${sweep}
for _, spec in ipairs(cjson.decode(ARGV[4])) do
  local line = prefix .. 'line:' .. spec[1]
  redis.call('HSET', line, 'scope', spec[2], 'window', spec[3], 'ws', spec[4], 'we', spec[5], 'lim', spec[6], 'cl', spec[7])
  add(line, 'c', spec[9])
  add(line, 'n', spec[10])
  if spec[8] > 0 then redis.call('PEXPIRE', line, spec[8]) end
end
return 1
`;

/**
 * ARGV: prefix, now, retention, then line keys. Deletes those whose window ended by now and that
 * hold no reservation (their keys would expire on their own a day later). Returns how many.
 */
export const pruneLinesScript = `${sweep}
sweep()
local dropped = 0
for i = 4, #ARGV do
  local line = prefix .. 'line:' .. ARGV[i]
  local state = redis.call('HMGET', line, 'we', 'r')
  if state[1] and tonumber(state[1]) <= now and tonumber(state[2] or '0') == 0 then
    redis.call('DEL', line)
    dropped = dropped + 1
  end
end
return dropped
`;

/** ARGV: prefix, now, retention, then mark keys. Deletes marks that expired by now. */
export const pruneMarksScript = `${sweep}
for i = 4, #ARGV do
  local mark = prefix .. 'mark:' .. ARGV[i]
  local held = redis.call('GET', mark)
  if held and tonumber(held) <= now then redis.call('DEL', mark) end
end
return 1
`;

/** ARGV: prefix, now, retention. Frees ended leases when no call is passing to do it. */
export const sweepScript = `${sweep}
sweep()
return redis.call('ZCARD', KEYS[1])
`;
