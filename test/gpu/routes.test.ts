import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuLockHealth, ReleaseLockResult } from '../../main/contract';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';

describe('GPU lock routes on the running console', () => {
  let redis: TestRedis;
  let c: TestConsole;
  beforeAll(async () => {
    redis = await startTestRedis();
    c = await startTestConsole({ 'redis.url': redis.url, 'model.name': 'test-tiny-en' });
  });
  afterAll(async () => {
    await c?.cleanup();
    await redis?.cleanup();
  });

  const health = async () => (await (await c.fetch('/api/v1/monitoring/gpu-lock/health')).json()) as GpuLockHealth;
  const release = (body: unknown, auth = true) =>
    c.fetch('/api/v1/monitoring/release-lock', { method: 'POST', auth, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('lock health lists gpu_lock:0 free on a machine without a GPU', async () => {
    const h = await health();
    expect(h.locks.map((l) => [l.device, l.state])).toEqual([[0, 'free']]);
  });

  it('the manual release-lock call needs the token', async () => {
    expect((await release({ lock_key: 'gpu_lock:0' }, false)).status).toBe(401);
  });

  it('force release stops the holder, frees the lock and writes an audit entry', async () => {
    const lease = await c.server.services.require('gpuLocks').acquire({ device: 0, jobId: 'job-route-test' });
    expect((await health()).locks[0]!.state).toBe('held');
    const res = await release({ lock_key: 'gpu_lock:0', reason: 'route test' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReleaseLockResult;
    expect(body).toMatchObject({ lock_key: 'gpu_lock:0', released: true });
    expect(body.previous?.job_id).toBe('job-route-test');
    await expect.poll(() => lease.signal.aborted, { timeout: 10_000 }).toBe(true);
    expect((await health()).locks[0]!.state).toBe('free');
    expect(body.audit.recorded).toBe(true);
    const audit = (await (await c.fetch('/api/v1/audit')).json()) as { entries: Array<{ action: string; target?: string }> };
    expect(JSON.stringify(audit.entries)).toContain('gpu_lock:0');
  });

  it('an unknown lock is 404 and a bad body is 400', async () => {
    expect((await release({ lock_key: 'gpu_lock:7' })).status).toBe(404);
    expect((await release({ lock: 'gpu_lock:0' })).status).toBe(400);
  });
});
