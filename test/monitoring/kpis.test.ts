import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../main/contract/alerts';
import { computeKpis } from '../../main/monitoring/kpis';
import { shippedConfig } from '../alerts/rig';

const values: Record<string, number[]> = {
  api_request_duration_p95_seconds: [1.2],
  jobs_success_ratio: [0.88],
  gpu_utilization_ratio: [0.5, 0.93], // two GPUs: the busiest counts
  system_memory_utilization_ratio: [0.4],
  jobs_batch_efficiency_ratio: [0.8], // exactly at the target: misses "> 80%"
};
const latest = (m: string) => (values[m] ?? []).map((v, i) => ({ name: m, labels: { gpu: String(i) }, t: 0, v }));

describe('KPI states', () => {
  it('ok / warn / alert / unknown from the kpi targets and the open alerts', () => {
    const firing = { id: 'alert_7', state: 'firing' } as AlertRecord;
    const k = Object.fromEntries(
      computeKpis({ kpi: shippedConfig().kpi, latest, openAlerts: (m) => (m === 'jobs_success_ratio' ? [firing] : []) }).map((x) => [x.key, x]),
    );
    expect(k.api_response_time_s).toMatchObject({ state: 'warn', display: '1.20 s' });
    expect(k.success_rate).toMatchObject({ state: 'alert', alert_ids: ['alert_7'] });
    expect(k.gpu_utilization).toMatchObject({ value: 0.93, state: 'warn' });
    expect(k.memory_utilization!.state).toBe('ok');
    expect(k.batch_efficiency!.state).toBe('warn');
    expect(k.error_rate).toMatchObject({ value: null, state: 'unknown', display: null });
  });
});
