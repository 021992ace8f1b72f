--[[
  Heartbeat: extend the lock, only if the caller still owns it.

  Input:
    KEYS[1] lock      gpu_lock:<i>
    KEYS[2] holder    gpu_lock:<i>:holder

    ARGV[1] owner token
    ARGV[2] lock ttl ms

  Output:
     1  extended
     0  the lock is gone (expired or force-released)
    -1  another owner holds it
]]
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then
  if current then return -1 end
  return 0
end
local ttl = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
if redis.call('HGET', KEYS[2], 'token') == ARGV[1] then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('HSET', KEYS[2], 'last_heartbeat', string.format('%.0f', now))
  redis.call('HINCRBY', KEYS[2], 'heartbeats', 1)
  redis.call('PEXPIRE', KEYS[2], 2 * ttl)
end
return 1
