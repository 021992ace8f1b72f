import type { JobsConfig } from '../core/config/sections/jobs';

/** The queue's timings and limits with every default resolved (config.yml `jobs`). */
export interface JobSettings {
  queueName: string;
  attempts: number;
  backoff: { type: 'fixed' | 'exponential'; delay: number };
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  heartbeatTtlMs: number;
  progressIntervalMs: number;
  retention: { completedCount: number; failedCount: number; maxAgeS: number };
}

export function jobSettings(cfg: JobsConfig): JobSettings {
  return {
    queueName: cfg.queue_name,
    attempts: cfg.attempts,
    backoff: { type: cfg.backoff.type, delay: cfg.backoff.delay_ms },
    lockDurationMs: cfg.lock_duration_ms,
    stalledIntervalMs: cfg.stalled_interval_ms,
    maxStalledCount: cfg.max_stalled_count,
    heartbeatTtlMs: cfg.worker_heartbeat_ttl_ms,
    progressIntervalMs: cfg.progress_interval_ms,
    retention: { completedCount: cfg.retention.completed_count, failedCount: cfg.retention.failed_count, maxAgeS: cfg.retention.max_age_s },
  };
}

/** Redis keys of the jobs domain beside BullMQ's own (`bull:<queue>:*`). */
export function jobKeys(queueName: string) {
  const base = `wxc:jobs:${queueName}`;
  return {
    /** String per job: set while a cancel is requested (workers check it before and during a run). */
    cancel: (id: string) => `${base}:cancel:${id}`,
    /** Pub/sub channel: job ids to abort now. */
    cancelChannel: `${base}:cancel`,
    /** Hash per job: result files (field = format, value = JSON {path, sha256, bytes}) plus commit bookkeeping. */
    result: (id: string) => `${base}:result:${id}`,
    /** Sorted set of job ids with a result (score = commit time). */
    resultIndex: `${base}:results`,
    /** Hash of KPI counters. */
    stats: `${base}:stats`,
    /** Sorted sets of submissions / finishes (score = time), for throughput over a window. */
    arrivals: `${base}:arrivals`,
    finishes: `${base}:finishes`,
    /** List of recent processing durations (ms). */
    durations: `${base}:durations`,
    /** String per worker with its JSON record, expiring after the heartbeat TTL. */
    worker: (id: string) => `${base}:worker:${id}`,
    /** Set of worker ids ever registered (pruned when their record expired). */
    workers: `${base}:workers`,
  };
}
export type JobKeys = ReturnType<typeof jobKeys>;
