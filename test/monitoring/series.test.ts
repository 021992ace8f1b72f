import { describe, expect, it } from 'vitest';
import { ALL_ROUTES, LatencyWindow } from '../../main/monitoring/latency';
import { parseRedisInfo } from '../../main/monitoring/samplers';
import { SeriesStore } from '../../main/monitoring/series';

const t0 = Date.UTC(2026, 0, 1);

describe('series store: 1 s ring for the hour, 1 min ring for the day', () => {
  it('keeps the newest fine points and averages each minute into the coarse ring', () => {
    const s = new SeriesStore({ finePoints: 120, coarseStepMs: 60_000, coarsePoints: 10 });
    for (let i = 0; i < 180; i++) s.record('system_load1', {}, i < 60 ? 1 : i < 120 ? 3 : 5, t0 + i * 1000);
    const coarse = s.drainCoarse();
    expect(coarse.map((p) => p.v)).toEqual([1, 3]); // the third minute is still open
    expect(s.drainCoarse()).toEqual([]);
    const w = s.window('system_load1', t0, t0 + 180_000);
    // the fine ring holds the last 120 s; the minute before it comes from the coarse ring
    expect(w[0]!.points[0]).toEqual({ t: t0, v: 1 });
    expect(w[0]!.points.slice(1).every((p) => p.t >= t0 + 60_000)).toBe(true);
    expect(w[0]!.points).toHaveLength(121);
  });

  it('after a restart the charts come from the persisted coarse points', () => {
    const s = new SeriesStore({ finePoints: 3600, coarseStepMs: 60_000, coarsePoints: 1440 });
    s.loadCoarse('process_rss_bytes', {}, [
      { t: t0, v: 100 },
      { t: t0 + 60_000, v: 110 },
    ]);
    s.record('process_rss_bytes', {}, 120, t0 + 600_000);
    const [w] = s.window('process_rss_bytes', t0 - 1, t0 + 600_001);
    expect(w!.points.map((p) => p.v)).toEqual([100, 110, 120]);
  });

  it('keeps one series per label set, and latest() drops stale ones', () => {
    const s = new SeriesStore({ finePoints: 10, coarseStepMs: 60_000, coarsePoints: 10 });
    s.record('disk_free_bytes', { path: 'results' }, 5, t0);
    s.record('disk_free_bytes', { path: 'temp' }, 7, t0 + 9_000);
    expect(s.latest('disk_free_bytes', t0 + 10_000, 5_000).map((l) => l.labels.path)).toEqual(['temp']);
    expect(s.latest('disk_free_bytes', t0 + 10_000, 60_000, { path: 'results' }).map((l) => l.v)).toEqual([5]);
  });

  it('downsamples a long range to the requested number of points', () => {
    const s = new SeriesStore({ finePoints: 3600, coarseStepMs: 60_000, coarsePoints: 10 });
    for (let i = 0; i < 3600; i++) s.record('system_load1', {}, i, t0 + i * 1000);
    const [w] = s.query('system_load1', t0, t0 + 3_600_000, 60);
    expect(w!.points.length).toBeLessThanOrEqual(60);
    expect(w!.points[0]!.v).toBeCloseTo(29.5);
  });
});

describe('API latency window (p50/p95/p99 per route)', () => {
  it('computes percentiles within one 4% bucket and an "all" aggregate', () => {
    const w = new LatencyWindow(60_000);
    for (let i = 1; i <= 1000; i++) w.record('/health', i / 1000, t0 + i); // 1 ms … 1 s
    w.record('/metrics', 2, t0 + 5);
    const snap = w.snapshot(t0 + 2000);
    const health = snap.find((r) => r.route === '/health')!;
    expect(health.count).toBe(1000);
    expect(health.p50_s).toBeGreaterThan(0.5 * 0.96);
    expect(health.p50_s).toBeLessThan(0.5 * 1.05);
    expect(health.p95_s).toBeCloseTo(0.95, 1);
    expect(health.p99_s).toBeCloseTo(0.99, 1);
    expect(snap.find((r) => r.route === ALL_ROUTES)!.count).toBe(1001);
  });

  it('forgets requests older than the window', () => {
    const w = new LatencyWindow(60_000);
    w.record('/health', 0.5, t0);
    expect(w.snapshot(t0 + 30_000)).toHaveLength(2);
    expect(w.snapshot(t0 + 61_000)).toHaveLength(0);
  });
});

describe('Redis INFO', () => {
  it('reads the persistence and memory fields', () => {
    const info = parseRedisInfo('# Memory\r\nused_memory:1048576\r\n# Persistence\r\naof_enabled:1\r\naof_last_write_status:ok\r\nrdb_last_bgsave_status:err\r\n');
    expect(info.get('used_memory')).toBe('1048576');
    expect(info.get('aof_last_write_status')).toBe('ok');
    expect(info.get('rdb_last_bgsave_status')).toBe('err');
  });
});
