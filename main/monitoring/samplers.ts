/**
 * The samplers: each reads one part of the system and records series (catalog.ts names).
 * A sampler that fails records nothing that round; its series then go stale, and the
 * alert rules treat missing data as "no change" rather than as recovery.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { GpuLockHealth, GpuTelemetrySample } from '../contract/gpu';
import type { HealthReport } from '../contract/health';
import type { EngineStatus } from '../contract/model';
import { diskUsage } from './disk';
import type { Labels } from './series';
import type { JobStatsSnapshot } from './sources';

export type Recorder = (name: string, labels: Labels, value: number | null | undefined) => void;

export interface Sampler {
  readonly name: string;
  sample(record: Recorder): void | Promise<void>;
}

/** MemAvailable from /proc/meminfo (what `free` shows as "available"); os.freemem() elsewhere. */
function availableMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return os.freemem();
}

export class SystemSampler implements Sampler {
  readonly name = 'system';
  private lastCpu = os.cpus().map((c) => c.times);
  private lastProc = { usage: process.cpuUsage(), at: performance.now() };

  sample(record: Recorder): void {
    const total = os.totalmem();
    const available = Math.min(total, availableMemory());
    record('system_memory_total_bytes', {}, total);
    record('system_memory_available_bytes', {}, available);
    record('system_memory_used_bytes', {}, total - available);
    record('system_memory_utilization_ratio', {}, (total - available) / total);

    const cpus = os.cpus().map((c) => c.times);
    let busy = 0;
    let all = 0;
    cpus.forEach((t, i) => {
      const p = this.lastCpu[i];
      if (!p) return;
      const idle = t.idle - p.idle;
      const sum = t.user - p.user + (t.nice - p.nice) + (t.sys - p.sys) + (t.irq - p.irq) + idle;
      busy += sum - idle;
      all += sum;
    });
    this.lastCpu = cpus;
    if (all > 0) record('system_cpu_utilization_ratio', {}, busy / all);
    record('system_load1', {}, os.loadavg()[0]);
    record('system_cpu_count', {}, cpus.length);

    const mem = process.memoryUsage();
    record('process_rss_bytes', {}, mem.rss);
    record('process_heap_used_bytes', {}, mem.heapUsed);
    record('process_heap_total_bytes', {}, mem.heapTotal);
    const now = performance.now();
    const usage = process.cpuUsage(this.lastProc.usage);
    const wallUs = (now - this.lastProc.at) * 1000;
    if (wallUs > 0) record('process_cpu_utilization_ratio', {}, (usage.user + usage.system) / wallUs / cpus.length);
    this.lastProc = { usage: process.cpuUsage(), at: now };
  }
}

export class DiskSampler implements Sampler {
  readonly name = 'disk';
  constructor(private readonly paths: () => { [name: string]: string }) {}
  sample(record: Recorder): void {
    for (const d of diskUsage(this.paths(), { minFreeGb: 0, minFreePercent: 0 })) {
      record('disk_free_bytes', { path: d.name }, d.free_bytes);
      record('disk_total_bytes', { path: d.name }, d.total_bytes);
      record('disk_free_ratio', { path: d.name }, d.total_bytes > 0 ? d.free_bytes / d.total_bytes : null);
    }
  }
}

/** `INFO` as key → value. */
export function parseRedisInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no reply within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** A fresh connection is given the sample's deadline to become ready before counting as down. */
export async function untilReady(c: Redis, timeoutMs: number): Promise<void> {
  if (c.status === 'ready' || c.status === 'end' || c.status === 'reconnecting') return;
  // A refused connection ends the wait at once (Redis down must not hold up a start).
  const events = ['ready', 'error', 'end'] as const;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const e of events) c.off(e, done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    for (const e of events) c.once(e, done);
  });
}

export class RedisSampler implements Sampler {
  readonly name = 'redis';
  constructor(
    private readonly client: () => Redis,
    private readonly timeoutMs: number,
  ) {}
  async sample(record: Recorder): Promise<void> {
    const c = this.client();
    await untilReady(c, this.timeoutMs);
    if (c.status !== 'ready') {
      record('redis_up', {}, 0);
      return;
    }
    const started = performance.now();
    try {
      await withTimeout(c.ping(), this.timeoutMs, 'Redis PING');
      record('redis_ping_seconds', {}, (performance.now() - started) / 1000);
      const info = parseRedisInfo(await withTimeout(c.info(), this.timeoutMs, 'Redis INFO'));
      record('redis_up', {}, 1);
      const num = (k: string) => (info.has(k) ? Number(info.get(k)) : null);
      record('redis_used_memory_bytes', {}, num('used_memory'));
      record('redis_connected_clients', {}, num('connected_clients'));
      record('redis_aof_enabled', {}, num('aof_enabled'));
      if (info.get('aof_enabled') === '1') record('redis_aof_last_write_ok', {}, info.get('aof_last_write_status') === 'ok' ? 1 : 0);
      if (info.has('rdb_last_bgsave_status')) record('redis_rdb_last_bgsave_ok', {}, info.get('rdb_last_bgsave_status') === 'ok' ? 1 : 0);
      record('redis_rdb_changes_since_last_save', {}, num('rdb_changes_since_last_save'));
      record('redis_rdb_last_save_timestamp_seconds', {}, num('rdb_last_save_time'));
    } catch {
      record('redis_up', {}, 0);
    }
  }
}

export function recordGpuTelemetry(record: Recorder, s: GpuTelemetrySample): void {
  if (s.state !== 'ok') return;
  const MiB = 1024 * 1024;
  for (const g of s.gpus) {
    const l = { gpu: String(g.index) };
    record('gpu_utilization_ratio', l, g.utilization_percent === null ? null : g.utilization_percent / 100);
    record('gpu_memory_used_bytes', l, g.memory_used_mib === null ? null : g.memory_used_mib * MiB);
    record('gpu_memory_total_bytes', l, g.memory_total_mib === null ? null : g.memory_total_mib * MiB);
    record('gpu_memory_utilization_ratio', l, g.memory_utilization);
    record('gpu_temperature_celsius', l, g.temperature_c);
  }
}

export function recordGpuLocks(record: Recorder, h: GpuLockHealth): void {
  for (const lock of h.locks) {
    const l = { lock: lock.lock_key };
    record('gpu_lock_held', l, lock.holder ? 1 : 0);
    record('gpu_lock_waiters', l, lock.waiters.count);
    const head = lock.waiters.list.find((w) => w.position === 1) ?? lock.waiters.list[0];
    record('gpu_lock_head_wait_seconds', l, head ? head.waiting_ms / 1000 : 0);
  }
}

export function recordJobStats(record: Recorder, s: JobStatsSnapshot): void {
  record('jobs_success_ratio', {}, s.success_rate);
  record('jobs_error_ratio', {}, s.error_rate);
  record('jobs_retry_ratio', {}, s.retry_rate);
  record('jobs_queue_depth', {}, s.queue_depth);
  record('jobs_active', {}, s.active);
  record('jobs_seconds_per_audio_minute', {}, s.seconds_per_audio_minute);
  record('jobs_batch_efficiency_ratio', {}, s.batch_efficiency);
  record('jobs_completed', {}, s.completed);
  record('jobs_failed', {}, s.failed);
}

/** component_up per /health component. */
export function recordHealth(record: Recorder, report: HealthReport): void {
  for (const [name, c] of Object.entries(report.components)) record('component_up', { component: name }, c.status === 'down' ? 0 : 1);
}

/** Model loaded and execution provider, from the engine's own status. */
export function recordEngine(record: Recorder, s: EngineStatus): void {
  record('engine_model_loaded', {}, s.state === 'ready' || s.state === 'busy' ? 1 : 0);
  if (s.execution_provider) record('engine_execution_provider_info', { provider: s.execution_provider }, 1);
}
