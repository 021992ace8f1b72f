import { describe, expect, it } from 'vitest';
import type { JobStatsSnapshot, KpiEntry } from '../../../main/contract';
import { kpiIds, kpiRows, kpiState } from './kpi-view';

const stats: JobStatsSnapshot = {
  timestamp: '',
  finished: 100,
  completed: 99,
  failed: 1,
  cancelled: 0,
  success_rate: 0.99,
  error_rate: 0.01,
  retry_rate: 0.2,
  retries: 20,
  retried: 20,
  queue_depth: 0,
  active: 0,
  seconds_per_audio_minute: 1.3,
  batch_efficiency: 0.86,
  durations_s: { count: 0, mean: null, p50: null, p95: null, max: null },
};

describe('KPI panel data', () => {
  it('lists the manual’s eight KPIs in order', () => {
    expect(kpiRows({ server: null, stats: null, gpu: null }).map((r) => r.id)).toEqual([...kpiIds]);
    expect(kpiIds).toHaveLength(8);
  });

  it('judges a value against a max or min target', () => {
    expect(kpiState(0.04, { bound: 'max', value: 1 })).toBe('ok');
    expect(kpiState(1.2, { bound: 'max', value: 1 })).toBe('warn');
    expect(kpiState(0.9, { bound: 'min', value: 0.95 })).toBe('warn');
    expect(kpiState(null, { bound: 'min', value: 0.95 })).toBe('unknown');
  });

  it('computes from job stats until the monitoring service answers', () => {
    const rows = kpiRows({ server: null, stats, gpu: null });
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(by.success_rate).toMatchObject({ value: 0.99, state: 'ok' });
    expect(by.retry_rate).toMatchObject({ value: 0.2, state: 'warn' });
    expect(by.memory_utilization).toMatchObject({ value: null, state: 'unknown' });
  });

  it('uses the server’s KPIs, labels and states (alert = an alert is open) when present', () => {
    const entry: KpiEntry = {
      key: 'api_response_time_s',
      label: { en: 'API response time', zh: 'API 响应时间' },
      value: 1.4,
      unit: 'seconds',
      display: '1.40 s',
      threshold: { bound: 'max', value: 1 },
      metric: 'api_request_duration_p95_seconds',
      state: 'alert',
      alert_ids: ['alert_1'],
    };
    expect(kpiRows({ server: [entry], stats, gpu: null })).toEqual([
      { id: 'api_response_time_s', label: entry.label, value: 1.4, display: '1.40 s', unit: 'seconds', threshold: { bound: 'max', value: 1 }, state: 'alert', tone: 'alert' },
    ]);
  });
});
