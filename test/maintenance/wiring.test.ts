import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaintenanceRun } from '../../main/contract/maintenance';
import { portsFrom } from '../../main/maintenance/ports';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { freePort } from '../helpers/redis';

let c: TestConsole;

beforeAll(async () => {
  c = await startTestConsole({ 'redis.url': null, 'redis.managed.port': await freePort(), 'model.name': 'test-tiny-en' });
});
afterAll(async () => {
  await c?.cleanup();
});

const run = async (id: string): Promise<MaintenanceRun> => {
  const res = await c.fetch(`/api/v1/maintenance/items/${id}/run`, { method: 'POST', auth: true });
  expect(res.status).toBe(200);
  return (await res.json()) as MaintenanceRun;
};

describe('maintenance inside the whole console (main/modules.ts)', () => {
  it('finds the other wings\' services by name', () => {
    const ports = portsFrom(c.server.services);
    expect({
      gpuLocks: !!ports.gpuLocks(),
      gpuTelemetry: !!ports.gpuTelemetry(),
      alerts: !!ports.alerts()?.current,
      resultsIndex: !!ports.resultsIndex(),
      jobStats: !!ports.jobStats(),
    }).toEqual({ gpuLocks: true, gpuTelemetry: true, alerts: true, resultsIndex: true, jobStats: true });
  });

  it('checks read the real alerts, results index, job statistics and GPU lock health', async () => {
    expect((await run('alert_status')).summary).not.toMatch(/not installed/);
    const integrity = await run('data_integrity');
    expect(integrity.result, integrity.summary).toBe('ok');
    const capacity = await run('capacity_planning');
    expect(capacity.details.jobs).toMatchObject({ arrived: expect.any(Number), completed: expect.any(Number) });
    const resources = await run('resource_usage');
    expect(resources.summary).not.toMatch(/FAIL GPU locks/);
    expect(resources.details.gpu_lock).toMatchObject({ status: 'healthy' });
  });

  it('the GPU module\'s force release route writes into the maintenance audit log', async () => {
    await c.server.redis.client.set('gpu_lock:0', 'elsewhere:1:x', 'PX', 30_000);
    const res = await c.fetch('/api/v1/monitoring/release-lock', { method: 'POST', auth: true, body: JSON.stringify({ lock_key: 'gpu_lock:0' }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { audit: { recorded: boolean } }).audit.recorded).toBe(true);
    const audit = (await (await c.fetch('/api/v1/audit?limit=1')).json()) as { entries: Array<{ action: string; target: string }> };
    expect(audit.entries[0]).toMatchObject({ action: 'gpu_lock.force_release', target: 'gpu_lock:0' });
  });
});
