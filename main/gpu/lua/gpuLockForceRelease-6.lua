--[[
  Emergency release by an operator: delete the lock whoever owns it, and tell the owner
  (it stops its GPU work) and the next waiter over pub/sub.

  Input:
    KEYS[1] lock      gpu_lock:<i>
    KEYS[2] holder    gpu_lock:<i>:holder
    KEYS[3] stats     gpu_lock:<i>:stats
    KEYS[4] queue     gpu_lock:<i>:queue
    KEYS[5] tickets   gpu_lock:<i>:tickets
    KEYS[6] waiters   gpu_lock:<i>:waiters

    ARGV[1] pub/sub channel
    ARGV[2] actor
    ARGV[3] reason

  Output:
    {previous owner token or '', server time ms, holder hash as a flat list (empty when
     the lock was free)}
]]
local lockKey, holderKey, statsKey = KEYS[1], KEYS[2], KEYS[3]
local queueKey, ticketsKey, waitersKey = KEYS[4], KEYS[5], KEYS[6]

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local token = redis.call('GET', lockKey) or ''
local holder = {}
if token ~= '' then
  if redis.call('HGET', holderKey, 'token') == token then
    holder = redis.call('HGETALL', holderKey)
    redis.call('DEL', holderKey)
  end
  redis.call('DEL', lockKey)
  redis.call('HINCRBY', statsKey, 'force_releases', 1)
end

local lapsed = redis.call('ZRANGEBYSCORE', ticketsKey, '-inf', now)
for _, ticket in ipairs(lapsed) do
  redis.call('ZREM', queueKey, ticket)
  redis.call('HDEL', waitersKey, ticket)
end
if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', ticketsKey, '-inf', now) end

local nextTicket = redis.call('ZRANGE', queueKey, 0, 0)[1] or ''
redis.call('PUBLISH', ARGV[1], cjson.encode({
  kind = 'force_released', lock = lockKey, token = token, next = nextTicket, actor = ARGV[2], reason = ARGV[3],
}))
return {token, now, holder}
