import { describe, expect, it } from 'vitest';
import type { GpuLockHealth, GpuLockStatus, GpuTelemetrySample } from '../../../main/contract';
import { gpuView, lockBadge, lockViews, mergeSamples } from './gpu-view';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const sample = (sec: number, util: number | null, usedMiB: number | null = 4096, over: Partial<GpuTelemetrySample> = {}): GpuTelemetrySample => ({
  timestamp: new Date(t0 + sec * 1000).toISOString(),
  state: 'ok',
  mode: 'gpu',
  message: '1 GPU',
  warnings: [],
  gpus: [
    {
      index: 0,
      name: 'NVIDIA RTX 3060',
      uuid: 'GPU-1',
      utilization_percent: util,
      memory_used_mib: usedMiB,
      memory_total_mib: 12288,
      memory_utilization: usedMiB == null ? null : usedMiB / 12288,
      temperature_c: 61,
      power_draw_w: 120.5,
      processes: [],
    },
  ],
  ...over,
});

const lock = (over: Partial<GpuLockStatus> = {}): GpuLockStatus => ({
  lock_key: 'gpu_lock:0',
  device: 0,
  state: 'free',
  message: 'free',
  holder: null,
  ttl_ms: null,
  heartbeat_age_ms: null,
  waiters: { count: 0, list: [] },
  last_fencing_token: null,
  counters: { acquisitions: 0, contended: 0, releases: 0, timeouts: 0, cancelled: 0, lost: 0, heartbeat_failures: 0, expired: 0, force_releases: 0, stale_releases: 0 },
  ...over,
});
const health = (locks: GpuLockStatus[]): GpuLockHealth => ({
  status: 'healthy',
  message: 'ok',
  timestamp: new Date(t0).toISOString(),
  ttl_ms: 30000,
  heartbeat_interval_ms: 10000,
  release_stale_on_dead_pid: true,
  locks,
});

describe('GPU panel data', () => {
  it('says CPU mode clearly when nvidia-smi finds no GPU', () => {
    const v = gpuView([sample(0, null, null, { state: 'no_gpu', mode: 'cpu', gpus: [], message: 'no GPU detected' })]);
    expect(v).toEqual({ kind: 'cpu', message: 'no GPU detected' });
  });

  it('waits before the first sample and reports telemetry errors as such', () => {
    expect(gpuView([]).kind).toBe('waiting');
    expect(gpuView([sample(0, null, null, { state: 'error', message: 'nvidia-smi timed out', gpus: [] })])).toEqual({ kind: 'error', message: 'nvidia-smi timed out' });
  });

  it('builds per device chart points (util %, memory GiB) and latest figures', () => {
    const v = gpuView([sample(0, 10, 2048), sample(2, 63, 7270)]);
    expect(v.kind).toBe('gpu');
    if (v.kind !== 'gpu') return;
    const d = v.devices[0]!;
    expect(d.points).toEqual([
      { t: t0, util: 10, mem: 2 },
      { t: t0 + 2000, util: 63, mem: 7270 / 1024 },
    ]);
    expect(d).toMatchObject({ utilPercent: 63, memUsedMiB: 7270, memTotalMiB: 12288, temperatureC: 61, powerW: 120.5, tone: 'ok' });
  });

  it('colours a busy or full GPU', () => {
    const busy = gpuView([sample(0, 95)]);
    const full = gpuView([sample(0, 10, 12000)]);
    expect(busy.kind === 'gpu' && busy.devices[0]!.tone).toBe('alert');
    expect(full.kind === 'gpu' && full.devices[0]!.tone).toBe('alert');
  });

  it('keeps samples in the window, oldest first, without duplicates', () => {
    const merged = mergeSamples([sample(0, 1), sample(2, 2)], [sample(2, 2), sample(700, 3), sample(1, 9)], 699_000, t0 + 700_000);
    expect(merged.map((s) => s.gpus[0]!.utilization_percent)).toEqual([9, 2, 3]);
  });

  it('describes each lock: holder, job, heartbeat age, waiters; stale is an alert', () => {
    const held = lock({
      state: 'held',
      holder: { token: 't', host: 'box', pid: 42, job_id: 'job1', fencing_token: 7, acquired_at: '', last_heartbeat: '', heartbeat_age_ms: 1200, held_ms: 5000, heartbeats: 3, pid_alive: true },
      heartbeat_age_ms: 1200,
      ttl_ms: 28000,
      waiters: { count: 1, list: [{ position: 1, host: 'box', pid: 43, job_id: 'job2', enqueued_at: '', waiting_ms: 3000, ticket_expires_in_ms: 9000 }] },
    });
    const [v] = lockViews(health([held]));
    expect(v).toMatchObject({ key: 'gpu_lock:0', state: 'held', holder: 'box:42', jobId: 'job1', heartbeatAgeMs: 1200, waiters: 1, tone: 'warn' });
    expect(v!.waiterList).toEqual([{ position: 1, who: 'job2', waitingMs: 3000 }]);
    expect(lockViews(health([lock({ state: 'stale' })]))[0]!.tone).toBe('alert');
    expect(lockViews(health([lock()]))[0]!.tone).toBe('ok');
  });

  it('puts the worst lock in the header badge', () => {
    expect(lockBadge(health([lock(), lock({ lock_key: 'gpu_lock:1', state: 'stale' })]))).toEqual({ label: 'gpu_lock:1', tone: 'alert', state: 'stale' });
    expect(lockBadge(null)).toBeNull();
  });
});
