import { z } from 'zod';

const ms = () => z.number().int().positive();

/** `gpu.lock`: the per-device Redis lock (docs/gpu-lock.md). */
export const gpuLockSection = z
  .object({
    /** Lock lifetime without a heartbeat; a dead holder blocks the GPU at most this long. */
    ttl_ms: ms().min(100).default(30_000),
    /** null = ttl_ms / 3 (two heartbeats may be missed before the lock can expire). */
    heartbeat_interval_ms: ms().nullable().default(null),
    /** How long one heartbeat may take before the holder counts the lock as lost; null = heartbeat interval. */
    heartbeat_timeout_ms: ms().nullable().default(null),
    /** When the holder's pid on this host is gone, release its lock at once instead of waiting for the TTL. */
    release_stale_on_dead_pid: z.boolean().default(true),
    /** How often this process looks for dead holders on its host; null = heartbeat interval. */
    stale_check_interval_ms: ms().nullable().default(null),
    /** A waiter re-checks this often even without a notification (lock expiry sends none). */
    waiter_recheck_ms: ms().default(2_000),
    /** A waiter's ticket lapses after this long without a re-check, so a dead waiter never blocks the queue. */
    waiter_ttl_ms: ms().default(10_000),
    /** Default time a job waits for a GPU before it fails with gpu_lock_timeout. */
    acquire_timeout_ms: ms().default(600_000),
    /** Deadline for one Redis round trip of the health report and force release. */
    command_timeout_ms: ms().default(2_000),
    /** Host identity stored with the holder; null = os.hostname(). Must differ between hosts (and containers) sharing the Redis. */
    host_id: z.string().min(1).nullable().default(null),
  })
  .strict()
  .superRefine((lock, ctx) => {
    const hb = lock.heartbeat_interval_ms ?? Math.floor(lock.ttl_ms / 3);
    if (hb >= lock.ttl_ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeat_interval_ms'],
        message: `heartbeat_interval_ms (${hb}) must be shorter than ttl_ms (${lock.ttl_ms}), or the lock expires between heartbeats`,
      });
    }
    if ((lock.heartbeat_timeout_ms ?? hb) + hb >= lock.ttl_ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeat_timeout_ms'],
        message: `heartbeat_interval_ms + heartbeat_timeout_ms must stay below ttl_ms (${lock.ttl_ms}), so a holder notices a lost lock before it can expire`,
      });
    }
    if (lock.waiter_ttl_ms <= lock.waiter_recheck_ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['waiter_ttl_ms'],
        message: `waiter_ttl_ms (${lock.waiter_ttl_ms}) must be longer than waiter_recheck_ms (${lock.waiter_recheck_ms}), or live waiters lose their place`,
      });
    }
  });

/** `gpu.telemetry`: nvidia-smi sampling. */
export const gpuTelemetrySection = z
  .object({
    enabled: z.boolean().default(true),
    /** Name on PATH or an absolute path. */
    nvidia_smi_path: z.string().min(1).default('nvidia-smi'),
    interval_ms: ms().min(100).default(2_000),
    /** One nvidia-smi call slower than this is killed and the sample marked as an error. */
    timeout_ms: ms().default(5_000),
    /** Samples kept for the time series (300 × 2 s = 10 minutes). */
    history_size: z.number().int().min(1).max(100_000).default(300),
    /** Also sample per-process GPU memory (--query-compute-apps). */
    query_compute_apps: z.boolean().default(true),
  })
  .strict();

/** The `gpu` section of config.yml. */
export const gpuSection = z
  .object({
    /** Number of GPU locks when telemetry finds no GPU (e.g. a host without nvidia-smi sharing the Redis); null = GPUs found, else 1. */
    device_count: z.number().int().min(1).max(64).nullable().default(null),
    lock: gpuLockSection.prefault({}),
    telemetry: gpuTelemetrySection.prefault({}),
  })
  .strict();

export type GpuConfig = z.output<typeof gpuSection>;
export type GpuLockConfig = z.output<typeof gpuLockSection>;
export type GpuTelemetryConfig = z.output<typeof gpuTelemetrySection>;
