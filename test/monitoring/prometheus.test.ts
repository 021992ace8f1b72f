import { describe, expect, it } from 'vitest';
import type { KpiEntry } from '../../main/contract/monitoring';
import { PrometheusExporter } from '../../main/monitoring/prometheus';
import { parseExposition, sample } from './exposition';

describe('Prometheus exposition', () => {
  it('spells a NaN sample `NaN` as the text format requires (prom-client writes `Nan`)', async () => {
    const exporter = new PrometheusExporter({
      latencyBucketsS: [0.1, 1],
      defaultMetrics: false,
      latest: (name) => (name === 'process_rss_bytes' ? [{ name, labels: {}, v: Number.NaN, t: Date.now() }] : []),
      kpis: () => [],
      openAlerts: () => [],
    });
    const text = await exporter.text();
    expect(text).toMatch(/^whisperx_process_rss_bytes NaN$/m);
    expect(text).not.toMatch(/ Nan$/m);
    expect(() => parseExposition(text)).not.toThrow();
  });

  it('collects Node.js process metrics at most once per max age, while request counters and KPIs stay live', async () => {
    let now = 1_000_000;
    let kpiCalls = 0;
    let kpiValue = 1;
    const exporter = new PrometheusExporter({
      latencyBucketsS: [0.1, 1],
      defaultMetrics: true,
      processMetricsMaxAgeMs: 1000,
      now: () => now,
      latest: () => [],
      kpis: () => {
        kpiCalls++;
        return [{ key: 'api_response_time', value: kpiValue, threshold: { bound: 'max', value: 1 }, state: 'ok' } as unknown as KpiEntry];
      },
      openAlerts: () => [],
    });
    const cpu = (text: string) => sample(parseExposition(text), 'whisperx_process_cpu_user_seconds_total');
    const requests = (text: string) => sample(parseExposition(text), 'whisperx_api_requests_total', { route: '/health', method: 'GET', status: '200' });

    const first = await exporter.text();
    expect(cpu(first)).toBeGreaterThan(0);
    // One KPI computation per scrape, although three gauges read the KPIs.
    expect(kpiCalls).toBe(1);

    // Burn CPU, count a request, change a KPI: within the max age only the process metrics are reused.
    const until = performance.now() + 30;
    while (performance.now() < until);
    exporter.observe({ route: '/health', method: 'GET', status: 200, ms: 3 });
    kpiValue = 2;
    now += 999;
    const second = await exporter.text();
    expect(cpu(second)).toBe(cpu(first));
    expect(requests(second)).toBe(1);
    expect(sample(parseExposition(second), 'whisperx_kpi_value', { kpi: 'api_response_time' })).toBe(2);
    expect(kpiCalls).toBe(2);

    now += 1;
    const third = await exporter.text();
    expect(cpu(third)).toBeGreaterThan(cpu(first)!);
    // Each family once: the cached process metrics never duplicate the console's own.
    const names = third.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(new Set(names).size).toBe(names.length);
    expect(() => parseExposition(third)).not.toThrow();
  });
});
