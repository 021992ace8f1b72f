import { z } from 'zod';

const ms = () => z.number().int().positive();

/** `monitoring.series`: the in-memory rings behind the charts and the Redis copy of the coarse one. */
export const monitoringSeriesSection = z
  .object({
    /** Fine ring: one point per sample (1 s) for an hour. */
    fine_points: z.number().int().min(10).max(100_000).default(3_600),
    /** Coarse ring: one averaged point per step for a day; this ring is kept in Redis. */
    coarse_step_s: z.number().int().min(1).max(3_600).default(60),
    coarse_points: z.number().int().min(10).max(100_000).default(1_440),
    /** Redis key prefix of the persisted coarse series. */
    redis_prefix: z.string().min(1).default('wxc:metrics'),
  })
  .strict();

/** The `monitoring` section of config.yml (docs/monitoring.md). */
export const monitoringSection = z
  .object({
    enabled: z.boolean().default(true),
    /** Every sampler runs once per interval (system, process, disk, Redis, GPU, jobs, engine, health). */
    sample_interval_ms: ms().min(100).default(1_000),
    /** Latest values and KPIs on the live feed (`metrics` event) this often, while someone listens. */
    publish_interval_ms: ms().min(100).default(2_000),
    /** API latency percentiles (p50/p95/p99 per route) are computed over this sliding window. */
    api_latency_window_s: z.number().int().min(5).max(3_600).default(60),
    /** Routes left out of the latency figures: long-lived streams would read as hours-long requests. */
    api_latency_exclude_routes: z.array(z.string()).default(['/api/v1/events']),
    /** Redis INFO / PING deadline per sample. */
    redis_timeout_ms: ms().default(1_000),
    series: monitoringSeriesSection.prefault({}),
    prometheus: z
      .object({
        /** Node.js process metrics (CPU, heap, event-loop lag, GC) next to the console's own. */
        default_metrics: z.boolean().default(true),
        /** Buckets of whisperx_api_request_duration_seconds, in seconds. */
        latency_buckets_s: z.array(z.number().positive()).min(1).default([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MonitoringConfig = z.output<typeof monitoringSection>;
