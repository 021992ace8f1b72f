--[[
  Release a lock and/or withdraw a waiter's ticket for one owner token: a normal release,
  a waiter that timed out or was cancelled, a holder cleaning up after losing the lock,
  or the release of a stale holder (dead pid). The lock is deleted only if the token
  still owns it. When the lock ends up free with waiters queued, the head is told.

  Input:
    KEYS[1] lock      gpu_lock:<i>
    KEYS[2] holder    gpu_lock:<i>:holder
    KEYS[3] stats     gpu_lock:<i>:stats
    KEYS[4] queue     gpu_lock:<i>:queue
    KEYS[5] tickets   gpu_lock:<i>:tickets
    KEYS[6] waiters   gpu_lock:<i>:waiters

    ARGV[1] owner token
    ARGV[2] stats counters to increment, space-separated ('' = none): releases, timeouts,
            cancelled, lost, heartbeat_failures, stale_releases
    ARGV[3] '1' = count even when nothing was released or withdrawn
    ARGV[4] pub/sub channel

  Output:
    {released (1/0), ticket withdrawn (1/0), next ticket or ''}
]]
local lockKey, holderKey, statsKey = KEYS[1], KEYS[2], KEYS[3]
local queueKey, ticketsKey, waitersKey = KEYS[4], KEYS[5], KEYS[6]
local token = ARGV[1]

local withdrawn = redis.call('ZREM', queueKey, token)
redis.call('ZREM', ticketsKey, token)
redis.call('HDEL', waitersKey, token)

local released = 0
if redis.call('GET', lockKey) == token then
  redis.call('DEL', lockKey)
  released = 1
end
if redis.call('HGET', holderKey, 'token') == token then
  redis.call('DEL', holderKey)
end

if released == 1 or withdrawn == 1 or ARGV[3] == '1' then
  for counter in string.gmatch(ARGV[2], '%S+') do
    redis.call('HINCRBY', statsKey, counter, 1)
  end
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lapsed = redis.call('ZRANGEBYSCORE', ticketsKey, '-inf', now)
for _, ticket in ipairs(lapsed) do
  redis.call('ZREM', queueKey, ticket)
  redis.call('HDEL', waitersKey, ticket)
end
if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', ticketsKey, '-inf', now) end

local nextTicket = ''
if redis.call('EXISTS', lockKey) == 0 then
  nextTicket = redis.call('ZRANGE', queueKey, 0, 0)[1] or ''
  if nextTicket ~= '' then
    redis.call('PUBLISH', ARGV[4], cjson.encode({kind = 'released', lock = lockKey, next = nextTicket}))
  end
end
return {released, withdrawn, nextTicket}
