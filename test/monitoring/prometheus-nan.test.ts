import { describe, expect, it } from 'vitest';
import { PrometheusExporter } from '../../main/monitoring/prometheus';
import { parseExposition } from './exposition';

describe('Prometheus exposition of NaN', () => {
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
});
