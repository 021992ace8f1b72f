import { z } from 'zod';
import { route } from './route';

/** `gpu_lock:<device index>`, the manual's key (it releases `gpu_lock:0`). */
export const gpuLockKey = z.string().regex(/^gpu_lock:(0|[1-9][0-9]{0,2})$/, 'lock_key must look like "gpu_lock:0"');

export const gpuLockState = z.enum(['free', 'held', 'stale']);
export type GpuLockState = z.infer<typeof gpuLockState>;

export const gpuLockHolder = z.object({
  /** Owner token `<host>:<pid>:<random>`; only its owner can extend or release the lock. */
  token: z.string(),
  host: z.string(),
  pid: z.number(),
  job_id: z.string().nullable(),
  /** Fencing token of this hold: strictly larger than every earlier hold of the same lock. */
  fencing_token: z.number(),
  acquired_at: z.string(),
  last_heartbeat: z.string(),
  heartbeat_age_ms: z.number(),
  held_ms: z.number(),
  heartbeats: z.number(),
  /** Holder on this console's host: whether its pid is alive; null when it runs on another host. */
  pid_alive: z.boolean().nullable(),
});
export type GpuLockHolder = z.infer<typeof gpuLockHolder>;

export const gpuLockWaiter = z.object({
  /** 1 = next to be granted. */
  position: z.number(),
  host: z.string(),
  pid: z.number(),
  job_id: z.string().nullable(),
  enqueued_at: z.string(),
  waiting_ms: z.number(),
  /** The ticket lapses unless its waiter re-checks before then (a dead waiter drops out). */
  ticket_expires_in_ms: z.number(),
});
export type GpuLockWaiter = z.infer<typeof gpuLockWaiter>;

export const gpuLockCounters = z.object({
  acquisitions: z.number(),
  /** Acquisitions that had to queue behind another holder. */
  contended: z.number(),
  releases: z.number(),
  timeouts: z.number(),
  cancelled: z.number(),
  /** Holders that lost the lock (heartbeat failed, Redis down, lock taken). */
  lost: z.number(),
  heartbeat_failures: z.number(),
  /** Holds that ended by TTL expiry instead of a release (the holder died or hung). */
  expired: z.number(),
  force_releases: z.number(),
  stale_releases: z.number(),
});
export type GpuLockCounters = z.infer<typeof gpuLockCounters>;

export const gpuLockStatus = z.object({
  lock_key: z.string(),
  device: z.number(),
  state: gpuLockState,
  message: z.string(),
  holder: gpuLockHolder.nullable(),
  /** Remaining lock lifetime; null when free. */
  ttl_ms: z.number().nullable(),
  heartbeat_age_ms: z.number().nullable(),
  waiters: z.object({ count: z.number(), list: z.array(gpuLockWaiter) }),
  /** Last fencing token handed out for this lock (null before the first acquisition). */
  last_fencing_token: z.number().nullable(),
  counters: gpuLockCounters,
});
export type GpuLockStatus = z.infer<typeof gpuLockStatus>;

export const gpuLockHealth = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  message: z.string(),
  hint: z.string().optional(),
  timestamp: z.string(),
  ttl_ms: z.number(),
  heartbeat_interval_ms: z.number(),
  release_stale_on_dead_pid: z.boolean(),
  locks: z.array(gpuLockStatus),
});
export type GpuLockHealth = z.infer<typeof gpuLockHealth>;

export const releaseLockBody = z
  .object({
    lock_key: gpuLockKey,
    /** Goes into the audit log. */
    reason: z.string().max(500).optional(),
  })
  .strict();
export type ReleaseLockBody = z.infer<typeof releaseLockBody>;

export const releaseLockResult = z.object({
  lock_key: z.string(),
  /** false when the lock was already free. */
  released: z.boolean(),
  previous: gpuLockHolder.nullable(),
  message: z.string(),
  audit: z.object({ recorded: z.boolean(), error: z.string().optional() }),
});
export type ReleaseLockResult = z.infer<typeof releaseLockResult>;

export const gpuProcessSample = z.object({
  pid: z.number(),
  used_memory_mib: z.number().nullable(),
});

export const gpuDeviceSample = z.object({
  index: z.number(),
  name: z.string().nullable(),
  uuid: z.string().nullable(),
  /** Fields the card or driver does not report ([N/A], [Not Supported]) are null. */
  utilization_percent: z.number().nullable(),
  memory_used_mib: z.number().nullable(),
  memory_total_mib: z.number().nullable(),
  /** memory_used / memory_total, 0..1. */
  memory_utilization: z.number().nullable(),
  temperature_c: z.number().nullable(),
  power_draw_w: z.number().nullable(),
  processes: z.array(gpuProcessSample),
});
export type GpuDeviceSample = z.infer<typeof gpuDeviceSample>;

export const gpuTelemetryState = z.enum(['ok', 'no_gpu', 'error', 'disabled']);
export type GpuTelemetryState = z.infer<typeof gpuTelemetryState>;

export const gpuTelemetrySample = z.object({
  timestamp: z.string(),
  state: gpuTelemetryState,
  /** 'cpu' when no GPU was detected: inference runs on the CPU, which is not an error. */
  mode: z.enum(['gpu', 'cpu']),
  message: z.string(),
  gpus: z.array(gpuDeviceSample),
  /** Lines nvidia-smi printed that could not be read (kept for the operator). */
  warnings: z.array(z.string()),
});
export type GpuTelemetrySample = z.infer<typeof gpuTelemetrySample>;

export const gpuTelemetryReport = z.object({
  latest: gpuTelemetrySample.nullable(),
  /** Oldest first. */
  series: z.array(gpuTelemetrySample),
  interval_ms: z.number(),
  history_size: z.number(),
});
export type GpuTelemetryReport = z.infer<typeof gpuTelemetryReport>;

export const gpuLockEventKind = z.enum([
  'acquired',
  'released',
  'waiting',
  'timeout',
  'cancelled',
  'lost',
  'force_released',
  'stale',
  'stale_released',
]);
export type GpuLockEventKind = z.infer<typeof gpuLockEventKind>;

export const gpuLockEvent = z.object({
  kind: gpuLockEventKind,
  lock_key: z.string(),
  device: z.number(),
  message: z.string(),
  token: z.string().optional(),
  job_id: z.string().nullable().optional(),
  fencing_token: z.number().optional(),
  position: z.number().optional(),
  reason: z.string().optional(),
  actor: z.string().optional(),
});
export type GpuLockEvent = z.infer<typeof gpuLockEvent>;

declare module './events' {
  interface LiveEventMap {
    'gpu.lock': GpuLockEvent;
    'gpu.lock.health': GpuLockHealth;
    'gpu.telemetry': GpuTelemetrySample;
  }
}

export const gpuRoutes = {
  gpuLockHealth: route({
    method: 'GET',
    path: '/api/v1/monitoring/gpu-lock/health',
    auth: false,
    summary: 'Every GPU lock: free/held/stale, holder, ttl, heartbeat age, waiters, counters, overall status. 503 when Redis cannot be read.',
    response: gpuLockHealth,
    alsoOk: [503],
  }),
  releaseGpuLock: route({
    method: 'POST',
    path: '/api/v1/monitoring/release-lock',
    auth: true,
    summary: 'Emergency: force-release a GPU lock (the holder is told to stop); recorded in the audit log. 404 for an unknown lock.',
    body: releaseLockBody,
    response: releaseLockResult,
  }),
  gpuTelemetry: route({
    method: 'GET',
    path: '/api/v1/monitoring/gpu',
    auth: false,
    summary: 'Latest nvidia-smi sample per GPU and the recent time series ("no GPU detected — CPU mode" without a GPU).',
    query: z.object({ points: z.coerce.number().int().min(0).max(100_000).optional() }),
    response: gpuTelemetryReport,
  }),
} as const;
