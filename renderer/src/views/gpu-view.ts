import type { GpuLockHealth, GpuLockStatus, GpuTelemetrySample } from '../../../main/contract';
import type { Tone } from '../health-view';

export interface GpuPoint {
  t: number;
  /** Percent 0..100 (null = not reported). */
  util: number | null;
  /** GiB used. */
  mem: number | null;
}

export interface GpuDeviceView {
  index: number;
  name: string;
  utilPercent: number | null;
  memUsedMiB: number | null;
  memTotalMiB: number | null;
  memRatio: number | null;
  temperatureC: number | null;
  powerW: number | null;
  tone: Tone;
  points: GpuPoint[];
}

export type GpuMode =
  | { kind: 'waiting' }
  | { kind: 'cpu'; message: string }
  | { kind: 'error' | 'disabled'; message: string }
  | { kind: 'gpu'; devices: GpuDeviceView[] };

const mib = 1024;

/** Keeps the newest samples within the chart window (oldest first, no duplicates). */
export function mergeSamples(existing: GpuTelemetrySample[], incoming: GpuTelemetrySample[], windowMs: number, now: number): GpuTelemetrySample[] {
  const byTs = new Map<string, GpuTelemetrySample>();
  for (const s of [...existing, ...incoming]) byTs.set(s.timestamp, s);
  return [...byTs.values()]
    .filter((s) => now - Date.parse(s.timestamp) <= windowMs)
    .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
}

function utilTone(util: number | null, memRatio: number | null): Tone {
  if (util == null && memRatio == null) return 'unknown';
  // The manual: GPU utilisation < 90 %; the alert rule calls memory >= 95 % exhausted.
  if ((memRatio ?? 0) >= 0.95 || (util ?? 0) >= 90) return 'alert';
  if ((memRatio ?? 0) >= 0.85 || (util ?? 0) > 80) return 'warn';
  return 'ok';
}

/** The GPU panel's state: per device latest figures and chart points, or why there is none. */
export function gpuView(samples: GpuTelemetrySample[]): GpuMode {
  const latest = samples.at(-1);
  if (!latest) return { kind: 'waiting' };
  if (latest.state === 'no_gpu' || (latest.state === 'ok' && latest.mode === 'cpu' && latest.gpus.length === 0)) return { kind: 'cpu', message: latest.message };
  if (latest.state === 'error' || latest.state === 'disabled') return { kind: latest.state, message: latest.message };
  const devices = latest.gpus.map((g): GpuDeviceView => {
    const points: GpuPoint[] = [];
    for (const s of samples) {
      const d = s.gpus.find((x) => x.index === g.index);
      if (!d) continue;
      points.push({ t: Date.parse(s.timestamp), util: d.utilization_percent, mem: d.memory_used_mib == null ? null : d.memory_used_mib / mib });
    }
    const memRatio = g.memory_utilization ?? (g.memory_used_mib != null && g.memory_total_mib ? g.memory_used_mib / g.memory_total_mib : null);
    return {
      index: g.index,
      name: g.name ?? `GPU ${g.index}`,
      utilPercent: g.utilization_percent,
      memUsedMiB: g.memory_used_mib,
      memTotalMiB: g.memory_total_mib,
      memRatio,
      temperatureC: g.temperature_c,
      powerW: g.power_draw_w,
      tone: utilTone(g.utilization_percent, memRatio),
      points,
    };
  });
  return { kind: 'gpu', devices };
}

export interface LockView {
  key: string;
  state: GpuLockStatus['state'];
  tone: Tone;
  holder: string | null;
  jobId: string | null;
  heartbeatAgeMs: number | null;
  ttlMs: number | null;
  waiters: number;
  waiterList: { position: number; who: string; waitingMs: number }[];
  message: string;
}

/** One line per lock: free is fine, held is normal work, stale needs an operator. */
export function lockViews(health: GpuLockHealth | null): LockView[] {
  if (!health) return [];
  return health.locks.map((l) => ({
    key: l.lock_key,
    state: l.state,
    tone: l.state === 'stale' ? 'alert' : l.state === 'held' && (l.waiters.count > 0 || (l.heartbeat_age_ms ?? 0) > health.heartbeat_interval_ms * 2) ? 'warn' : 'ok',
    holder: l.holder ? `${l.holder.host}:${l.holder.pid}` : null,
    jobId: l.holder?.job_id ?? null,
    heartbeatAgeMs: l.heartbeat_age_ms,
    ttlMs: l.ttl_ms,
    waiters: l.waiters.count,
    waiterList: l.waiters.list.map((w) => ({ position: w.position, who: w.job_id ?? `${w.host}:${w.pid}`, waitingMs: w.waiting_ms })),
    message: l.message,
  }));
}

/** The header badge: "gpu_lock:0 free" (first lock; the worst tone among all). */
export function lockBadge(health: GpuLockHealth | null): { label: string; tone: Tone; state: string } | null {
  const views = lockViews(health);
  if (views.length === 0) return null;
  const order: Tone[] = ['alert', 'warn', 'ok', 'unknown'];
  const worst = views.reduce((a, b) => (order.indexOf(b.tone) < order.indexOf(a.tone) ? b : a));
  return { label: worst.key, tone: worst.tone, state: worst.state };
}
