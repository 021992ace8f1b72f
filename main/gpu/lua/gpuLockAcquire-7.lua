--[[
  Take a GPU lock fairly. A caller that finds the lock held, or others already queued,
  gets a ticket in a FIFO; only the ticket at the head may take the free lock. Tickets
  carry a lease, so a waiter that died (stopped re-checking) drops out of the queue.

  Input:
    KEYS[1] lock      gpu_lock:<i>            owner token, PX ttl
    KEYS[2] holder    gpu_lock:<i>:holder     hash describing the hold, PX 2*ttl
    KEYS[3] fence     gpu_lock:<i>:fence      fencing counter
    KEYS[4] stats     gpu_lock:<i>:stats      counters (acquisitions, contended, expired, ticket_seq)
    KEYS[5] queue     gpu_lock:<i>:queue      zset ticket -> arrival sequence
    KEYS[6] tickets   gpu_lock:<i>:tickets    zset ticket -> lease deadline (server ms)
    KEYS[7] waiters   gpu_lock:<i>:waiters    hash ticket -> '<enqueued at, server ms>|<waiter JSON>'

    ARGV[1] owner token (also the ticket id)
    ARGV[2] lock ttl ms
    ARGV[3] ticket lease ms
    ARGV[4] '1' = queue when not granted, '0' = try once
    ARGV[5] host
    ARGV[6] pid
    ARGV[7] job id ('' = none)
    ARGV[8] waiter JSON (shown in lock health)

  Output:
    {1, fencing token, 0}      granted (also when this token already holds the lock)
    {0, position, lock pttl}   not granted; position 1 = next in line, 0 = not queued
]]
local lockKey, holderKey, fenceKey, statsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local queueKey, ticketsKey, waitersKey = KEYS[5], KEYS[6], KEYS[7]
local token = ARGV[1]
local ttl = tonumber(ARGV[2])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local lapsed = redis.call('ZRANGEBYSCORE', ticketsKey, '-inf', now)
if #lapsed > 0 then
  for _, ticket in ipairs(lapsed) do
    redis.call('ZREM', queueKey, ticket)
    redis.call('HDEL', waitersKey, ticket)
  end
  redis.call('ZREMRANGEBYSCORE', ticketsKey, '-inf', now)
end

local current = redis.call('GET', lockKey)
if current == token then
  -- A retried call whose first attempt was granted: same hold, same fencing token.
  return {1, tonumber(redis.call('HGET', holderKey, 'fencing_token') or '0'), 0}
end

local queued = redis.call('ZSCORE', queueKey, token)
if not current then
  local head = redis.call('ZRANGE', queueKey, 0, 0)[1]
  if head == nil or head == token then
    if redis.call('EXISTS', holderKey) == 1 then
      -- The previous hold ended without a release: its lock expired (holder dead or hung).
      redis.call('HINCRBY', statsKey, 'expired', 1)
    end
    if redis.call('EXISTS', fenceKey) == 0 then
      -- Seeded from the server clock in microseconds, so fencing tokens keep increasing
      -- even when Redis lost its data (no AOF, flush) and the counter starts over.
      redis.call('SET', fenceKey, time[1] .. string.format('%06d', tonumber(time[2])))
    end
    redis.call('SET', lockKey, token, 'NX', 'PX', ttl)
    local fence = redis.call('INCR', fenceKey)
    redis.call('DEL', holderKey)
    -- Numbers go in as '%.0f' strings: Redis may render large Lua numbers in exponent form.
    local nowText = string.format('%.0f', now)
    redis.call('HSET', holderKey, 'token', token, 'host', ARGV[5], 'pid', ARGV[6], 'job_id', ARGV[7],
      'fencing_token', string.format('%.0f', fence), 'acquired_at', nowText, 'last_heartbeat', nowText, 'heartbeats', '0')
    redis.call('PEXPIRE', holderKey, 2 * ttl)
    redis.call('HINCRBY', statsKey, 'acquisitions', 1)
    if queued then
      redis.call('ZREM', queueKey, token)
      redis.call('ZREM', ticketsKey, token)
      redis.call('HDEL', waitersKey, token)
      redis.call('HINCRBY', statsKey, 'contended', 1)
    end
    return {1, fence, 0}
  end
end

if ARGV[4] ~= '1' then
  return {0, 0, redis.call('PTTL', lockKey)}
end
if not queued then
  local seq = redis.call('HINCRBY', statsKey, 'ticket_seq', 1)
  redis.call('ZADD', queueKey, seq, token)
  redis.call('HSET', waitersKey, token, string.format('%.0f', now) .. '|' .. ARGV[8])
end
redis.call('ZADD', ticketsKey, now + tonumber(ARGV[3]), token)
return {0, redis.call('ZRANK', queueKey, token) + 1, redis.call('PTTL', lockKey)}
