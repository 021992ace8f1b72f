import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gpuLockHealth, releaseLockBody, releaseLockResult } from '../../main/contract/gpu';
import { routes } from '../../main/contract/routes';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { eventually, MemoryAudit, spawnLockProcess, testManager, testSettings, type LockProcess, type TestManager } from './lockHarness';

let redis: TestRedis;
let client: Redis;
const managers: TestManager[] = [];
const procs: LockProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
  client.on('error', () => undefined);
});
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(managers.splice(0).map((m) => m.manager.close()));
  await client.flushall();
});
afterAll(async () => {
  await client.quit();
  await redis.cleanup();
});

function operator(audit = new MemoryAudit(), settings = testSettings()) {
  const m = testManager(redis.url, settings, { audit });
  managers.push(m);
  return { ...m, audit };
}

describe('force release of a GPU lock (the emergency action)', () => {
  it('deletes the lock, tells the holder in another process to stop, records an audit entry, and the next waiter gets the GPU', async () => {
    const holder = spawnLockProcess(redis.url, 'hold', testSettings(), { GPU_TEST_JOB_ID: 'stuck-job' });
    procs.push(holder);
    const acquired = await holder.next((m) => m.acquired === true);
    const { manager, audit, events } = operator();
    const waiting = manager.acquire({ jobId: 'next-in-line' });
    await eventually('the waiter to be queued', async () => (await manager.health()).locks[0]!.waiters.count === 1);

    const result = releaseLockResult.parse(await manager.forceRelease({ lockKey: 'gpu_lock:0', actor: 'api-token', reason: 'GPU exhausted' }));
    expect(result).toMatchObject({ lock_key: 'gpu_lock:0', released: true, audit: { recorded: true } });
    expect(result.previous).toMatchObject({ token: acquired.token, pid: holder.pid, job_id: 'stuck-job', fencing_token: acquired.fencing, pid_alive: true });
    expect(result.message).toMatch(/told to stop/);

    const lost = await holder.next((m) => m.lost === true);
    expect(lost).toMatchObject({ reason: 'force_released', code: 'gpu_lock_lost' });
    expect(String(lost.message)).toMatch(/an operator force-released it/);
    expect(await holder.exited).toBe(3);

    expect(audit.entries).toHaveLength(1);
    const entry = audit.entries[0]!;
    expect(entry).toMatchObject({ actor: 'api-token', action: 'gpu_lock.force_release', target: 'gpu_lock:0', reason: 'GPU exhausted' });
    expect(entry.previous).toMatchObject({ pid: holder.pid, job_id: 'stuck-job' });
    expect(Date.now() - Date.parse(entry.at)).toBeLessThan(60_000);
    expect(events.find((e) => e.kind === 'force_released')).toMatchObject({ actor: 'api-token', reason: 'GPU exhausted', job_id: 'stuck-job' });

    const next = await waiting;
    expect(next.fencingToken).toBeGreaterThan(acquired.fencing as number);
    const lock = (await manager.health()).locks[0]!;
    expect(lock.holder?.job_id).toBe('next-in-line');
    expect(lock.counters.force_releases).toBe(1);
    await next.release();
  });

  it('a holder in the same process is stopped at once', async () => {
    const { manager } = operator();
    const lease = await manager.acquire({ jobId: 'local' });
    await manager.forceRelease({ lockKey: 'gpu_lock:0', actor: 'cli' });
    expect(lease.signal.aborted).toBe(true);
    expect(lease.lostReason).toBe('force_released');
    expect(await client.exists('gpu_lock:0')).toBe(0);
  });

  it('releasing a free lock changes nothing but is still audited', async () => {
    const { manager, audit } = operator();
    const result = await manager.forceRelease({ lockKey: 'gpu_lock:0', actor: 'api-token', reason: 'drill' });
    expect(result).toMatchObject({ released: false, previous: null, audit: { recorded: true } });
    expect(result.message).toMatch(/was not held/);
    expect(audit.entries[0]).toMatchObject({ target: 'gpu_lock:0', previous: null, reason: 'drill' });
  });

  it('an audit log that fails does not undo the release, and the result says the entry is missing', async () => {
    const failing = { record: () => Promise.reject(new Error('disk full')) };
    const m = testManager(redis.url, testSettings(), { audit: failing });
    managers.push(m);
    const lease = await m.manager.acquire();
    const result = await m.manager.forceRelease({ lockKey: 'gpu_lock:0', actor: 'api-token' });
    expect(result.released).toBe(true);
    expect(result.audit).toEqual({ recorded: false, error: expect.stringMatching(/could not be written: disk full/) as unknown as string });
    expect(lease.signal.aborted).toBe(true);
  });

  it('an unknown lock key is gpu_lock_unknown (404); a malformed body fails the route schema (400)', async () => {
    const { manager } = operator();
    await expect(manager.forceRelease({ lockKey: 'gpu_lock:7', actor: 'x' })).rejects.toMatchObject({ code: 'gpu_lock_unknown', status: 404 });
    await expect(manager.forceRelease({ lockKey: 'jobs:0', actor: 'x' })).rejects.toMatchObject({ status: 404 });
    expect(releaseLockBody.safeParse({ lock_key: 'gpu_lock:0' }).success).toBe(true);
    for (const bad of [{}, { lock_key: 'gpu-lock-0' }, { lock_key: 0 }, { lockKey: 'gpu_lock:0' }, { lock_key: 'gpu_lock:0', reason: 5 }, { lock_key: 'gpu_lock:0', force: true }]) {
      expect(releaseLockBody.safeParse(bad).success).toBe(false);
    }
    expect(routes.releaseGpuLock).toMatchObject({ method: 'POST', path: '/api/v1/monitoring/release-lock', auth: true });
    expect(routes.gpuLockHealth).toMatchObject({ method: 'GET', path: '/api/v1/monitoring/gpu-lock/health', auth: false });
    expect(routes.gpuTelemetry).toMatchObject({ method: 'GET', path: '/api/v1/monitoring/gpu', auth: false });
  });

  it('with Redis down, health says unhealthy (never throws) and force release is gpu_lock_unavailable (503)', async () => {
    const { manager } = operator(new MemoryAudit(), testSettings({ commandTimeoutMs: 500 }));
    expect((await manager.health()).status).toBe('healthy');
    await redis.stop();
    try {
      const report = gpuLockHealth.parse(await manager.health());
      expect(report).toMatchObject({ status: 'unhealthy', locks: [] });
      expect(report.message).toMatch(/Cannot read the GPU locks from Redis/);
      await expect(manager.forceRelease({ lockKey: 'gpu_lock:0', actor: 'x' })).rejects.toMatchObject({ code: 'gpu_lock_unavailable', status: 503 });
    } finally {
      await redis.start();
    }
    await eventually('health to recover', async () => (await manager.health()).status === 'healthy');
  });
});
