import { describe, expect, it } from 'vitest';
import type { HealthReport, MetricSeries, MetricsSnapshot } from '../../../main/contract';
import { appendSnapshot, diskRows, latestValues, redisView, systemPoints } from './system-view';

const health: HealthReport = {
  status: 'healthy',
  timestamp: '',
  version: '0',
  uptime_s: 1,
  failing: [],
  components: {
    redis: { status: 'up', message: 'PONG in 0.4 ms', latency_ms: 0.4 },
    disk: {
      status: 'degraded',
      message: 'low',
      details: {
        paths: [
          { name: 'models', path: '/m', free_bytes: 41 * 1024 ** 3, total_bytes: 100 * 1024 ** 3, free_percent: 41, status: 'up' },
          { name: 'results', path: '/r', free_bytes: 1024 ** 3, total_bytes: 100 * 1024 ** 3, free_percent: 1, status: 'down' },
        ],
      },
    },
  },
};

const series: MetricSeries[] = [
  { name: 'system_memory_utilization_ratio', labels: {}, unit: 'ratio', points: [[1000, 0.5], [2000, 0.61]] },
  { name: 'process_rss_bytes', labels: {}, unit: 'bytes', points: [[2000, 200 * 1024 * 1024]] },
  { name: 'redis_used_memory_bytes', labels: {}, unit: 'bytes', points: [[2000, 3_000_000]] },
];

describe('system panel data', () => {
  it('lists disk free per data path from the health report, coloured by status', () => {
    expect(diskRows(health).map((d) => [d.name, d.freePercent, d.tone])).toEqual([
      ['models', 41, 'ok'],
      ['results', 1, 'alert'],
    ]);
    expect(diskRows(null)).toEqual([]);
  });

  it('joins memory % and RSS on one time axis', () => {
    expect(systemPoints(series)).toEqual([
      { t: 1000, memPercent: 50, rssMiB: null },
      { t: 2000, memPercent: 61, rssMiB: 200 },
    ]);
  });

  it('reads Redis latency from health and memory from the metrics', () => {
    expect(redisView(health, latestValues(series))).toMatchObject({ up: true, latencyMs: 0.4, usedMemoryBytes: 3_000_000 });
  });

  it('extends charts with live snapshots and trims them to the window', () => {
    const snap: MetricsSnapshot = { timestamp: new Date(62_000).toISOString(), kpis: [], values: [{ name: 'system_memory_utilization_ratio', labels: {}, value: 0.7 }] };
    const out = appendSnapshot(series, snap, 60_500);
    expect(out[0]!.points).toEqual([[2000, 0.61], [62_000, 0.7]]);
    expect(out[1]).toBe(series[1]);
  });
});
