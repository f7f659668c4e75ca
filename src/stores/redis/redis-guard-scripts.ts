/**
 * The Redis store's scripts for the agent guardrails' state. Every key carries the namespace's
 * hash tag, like the budget keys, so one namespace lives in one Cluster slot.
 *
 * Layout: `approval:<id>` string, the approval as JSON; `approvals` sorted set of approval ids by
 * filing time; `approval-call:<call key>` string, the id of the approval filed last for that call;
 * `task:<id>` hash (v a version token changed by every write, d the record and its expiry as JSON).
 * Approvals and call pointers expire with Redis TTLs; a task record expires idle.
 */

/**
 * KEYS: approval key, approvals set, call pointer key. ARGV: approval JSON, id, filing time, TTL in
 * ms, '1' when the approval names a call, the id the caller saw as the call's latest ('' for none),
 * the approval key prefix. Returns 1 when filed, 0 when another approval was filed for the call first.
 */
export const putApprovalScript = `
if ARGV[5] == '1' then
  local latest = redis.call('GET', KEYS[3])
  -- A pointer outliving its approval points at nothing.
  if latest and redis.call('EXISTS', ARGV[7] .. latest) == 0 then latest = false end
  if (latest or '') ~= ARGV[6] then return 0 end
  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[4])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
return 1
`;

/** KEYS: call pointer key. ARGV: the approval key prefix. Returns the call's latest approval's JSON, or nil. */
export const findLatestApprovalScript = `
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. id)
`;

/**
 * KEYS: approval key, call pointer key. ARGV: the status it must still have, the next JSON, TTL in
 * ms, id. Returns 1 when replaced, 0 when the approval is gone or its status changed.
 */
export const updateApprovalScript = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current)['status'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return 1
`;

/**
 * KEYS: task key. ARGV: the version the caller read ('' for none), the next data ('' deletes),
 * the next version, TTL in ms. Returns {1} when written, else {0, current version, current data}
 * so the caller can retry without reading again.
 */
export const updateTaskGuardScript = `
local held = redis.call('HMGET', KEYS[1], 'v', 'd')
if (held[1] or '') ~= ARGV[1] then return {0, held[1] or false, held[2] or false} end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  return {1}
end
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1}
`;
