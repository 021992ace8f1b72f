--[[
  Records a job's result files if this run still owns the job and no newer hold of the same
  GPU lock already did. A run whose queue lock was taken over (its worker was thought dead)
  or that lost its GPU lock (fencing token below the recorded one) cannot commit, so each
  run of a job commits at most once and a job completes once.

  KEYS[1] result hash of the job     (wxc:jobs:<queue>:result:<id>)
  KEYS[2] index of jobs with results (wxc:jobs:<queue>:results, zset)
  KEYS[3] BullMQ's lock of the job      (bull:<queue>:<id>:lock)
  ARGV[1] job id
  ARGV[2] GPU lock key of the run (gpu_lock:<n>)
  ARGV[3] fencing token of the run
  ARGV[4] files, JSON array of {format, path, sha256, bytes}
  ARGV[5] commit time, ms since the epoch
  ARGV[6] the run's BullMQ lock token
  Returns the number of commits so far (>= 1), 0 when refused as stale (fencing), -1 when
  the run no longer owns the job.
]]
if redis.call('GET', KEYS[3]) ~= ARGV[6] then
  return -1
end
local lockKey = redis.call('HGET', KEYS[1], 'lock_key')
local fence = tonumber(redis.call('HGET', KEYS[1], 'fencing_token') or '-1')
if lockKey == ARGV[2] and fence > tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], 'files', ARGV[4], 'lock_key', ARGV[2], 'fencing_token', ARGV[3], 'committed_at', ARGV[5])
local commits = redis.call('HINCRBY', KEYS[1], 'commits', 1)
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return commits
