import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gpuLockHealth } from '../../main/contract/gpu';
import type { GpuLease } from '../../main/gpu/lease';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { eventually, spawnLockProcess, testManager, testSettings, type LockProcess, type TestManager } from './lockHarness';

let redis: TestRedis;
let client: Redis;
const managers: TestManager[] = [];
const procs: LockProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
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

function manager(settings = testSettings(), deviceCount = 1): TestManager {
  const m = testManager(redis.url, settings, { deviceCount: () => deviceCount });
  managers.push(m);
  return m;
}

const waiterCount = async (m: TestManager) => (await m.manager.health()).locks[0]!.waiters.count;

describe('waiting for a GPU', () => {
  it('N waiters (each with its own connection, like separate processes) are granted in arrival order, visible as a queue', async () => {
    const holder = manager();
    const first = await holder.manager.acquire({ jobId: 'holder' });
    const granted: string[] = [];
    const done: Promise<void>[] = [];
    // Fast re-checks: every waiter keeps trying the lock, so order comes from the queue, not from timing.
    const eager = testSettings({ waiterRecheckMs: 20, waiterTtlMs: 2000 });
    for (let i = 0; i < 6; i++) {
      const m = manager(eager);
      done.push(
        m.manager.acquire({ jobId: `job-${i}` }).then(async (lease) => {
          granted.push(lease.jobId!);
          await new Promise((r) => setTimeout(r, 10));
          await lease.release();
        }),
      );
      await eventually(`job-${i} to be queued`, async () => (await waiterCount(holder)) === i + 1);
    }
    const report = gpuLockHealth.parse(await holder.manager.health());
    const lock = report.locks[0]!;
    expect(lock.waiters.list.map((w) => [w.position, w.job_id])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i + 1, `job-${i}`]));
    expect(lock.waiters.list.every((w) => w.pid === process.pid && w.host === 'test-host' && w.ticket_expires_in_ms > 0)).toBe(true);
    expect(lock.waiters.list[0]!.waiting_ms).toBeGreaterThanOrEqual(lock.waiters.list[5]!.waiting_ms);
    expect(report.message).toMatch(/1 held, 0 free, 6 waiting/);

    await first.release();
    await Promise.all(done);
    expect(granted).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4', 'job-5']);
    const after = (await holder.manager.health()).locks[0]!;
    expect(after.counters).toMatchObject({ acquisitions: 7, contended: 6, releases: 7 });
  });

  it('only the head of the queue may take a free lock; a lock that vanished without notice is found by the safety re-check', async () => {
    const holder = manager();
    const lease = await holder.manager.acquire();
    const queued = manager();
    const waiting = queued.manager.acquire({ jobId: 'queued-first' });
    await eventually('the waiter to be queued', async () => (await waiterCount(holder)) === 1);
    await client.del('gpu_lock:0'); // like a TTL expiry: no release message is published
    const latecomer = manager();
    expect(await latecomer.manager.tryAcquire({ jobId: 'latecomer' })).toBeNull();
    const next = await waiting;
    expect(next.jobId).toBe('queued-first');
    expect(lease.fencingToken).toBeLessThan(next.fencingToken);
    await next.release();
    const late = await latecomer.manager.tryAcquire({ jobId: 'latecomer' });
    expect(late?.jobId).toBe('latecomer');
    await late!.release();
  });

  it('a waiter that times out leaves the queue and gets gpu_lock_timeout', async () => {
    const holder = manager();
    const lease = await holder.manager.acquire();
    const w = manager();
    const err = await w.manager.acquire({ timeoutMs: 800, jobId: 'impatient' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'gpu_lock_timeout', status: 503 });
    expect(String((err as Error).message)).toMatch(/GPU 0 was not free within 800 ms/);
    expect(w.events.at(-1)).toMatchObject({ kind: 'timeout', job_id: 'impatient' });
    await eventually('the ticket to be withdrawn', async () => (await waiterCount(holder)) === 0);
    expect((await holder.manager.health()).locks[0]!.counters.timeouts).toBe(1);
    await lease.release();
  });

  it('aborting the signal withdraws the waiter (gpu_lock_cancelled); an already-aborted signal never queues', async () => {
    const holder = manager();
    const lease = await holder.manager.acquire();
    const w = manager();
    const ac = new AbortController();
    const pending = w.manager.acquire({ signal: ac.signal, jobId: 'cancel-me' }).catch((e: unknown) => e);
    await eventually('the waiter to be queued', async () => (await waiterCount(holder)) === 1);
    ac.abort(new Error('job cancelled by the user'));
    expect(await pending).toMatchObject({ code: 'gpu_lock_cancelled' });
    await eventually('the ticket to be withdrawn', async () => (await waiterCount(holder)) === 0);
    expect((await holder.manager.health()).locks[0]!.counters.cancelled).toBe(1);
    expect(await w.manager.acquire({ signal: AbortSignal.abort() }).catch((e: unknown) => e)).toMatchObject({ code: 'gpu_lock_cancelled' });
    await lease.release();
    // With the queue empty the lock is free for anyone at once.
    const again = await w.manager.tryAcquire();
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('a dead waiter (kill -9 while queued) does not block the queue: its ticket lapses and the next waiter is granted', async () => {
    const settings = testSettings({ waiterRecheckMs: 300, waiterTtlMs: 1500 });
    const holder = manager(settings);
    const lease = await holder.manager.acquire();
    const doomed = spawnLockProcess(redis.url, 'hold', settings, { GPU_TEST_JOB_ID: 'doomed' });
    procs.push(doomed);
    await doomed.next((m) => (m.data as { kind?: string } | undefined)?.kind === 'waiting');
    const w = manager(settings);
    const waiting = w.manager.acquire({ jobId: 'survivor' });
    await eventually('both waiters queued', async () => (await waiterCount(holder)) === 2);
    const list = (await holder.manager.health()).locks[0]!.waiters.list;
    expect(list.map((x) => x.job_id)).toEqual(['doomed', 'survivor']);

    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const releasedAt = Date.now();
    await lease.release();
    const next: GpuLease = await waiting;
    const tookMs = Date.now() - releasedAt;
    console.info(`[gpu-lock] dead waiter skipped after ${tookMs} ms (waiter_ttl ${settings.waiterTtlMs}, recheck ${settings.waiterRecheckMs})`);
    expect(next.jobId).toBe('survivor');
    expect((await holder.manager.health()).locks[0]!.waiters.count).toBe(0);
    await next.release();
  });

  it('each GPU has its own lock; an unknown device is refused', async () => {
    const m = manager(testSettings(), 2);
    const gpu0 = await m.manager.acquire({ device: 0 });
    const gpu1 = await m.manager.acquire({ device: 1, timeoutMs: 5000 });
    expect([gpu0.lockKey, gpu1.lockKey]).toEqual(['gpu_lock:0', 'gpu_lock:1']);
    const report = await m.manager.health();
    expect(report.locks.map((l) => [l.lock_key, l.state])).toEqual([
      ['gpu_lock:0', 'held'],
      ['gpu_lock:1', 'held'],
    ]);
    await expect(m.manager.acquire({ device: 2 })).rejects.toMatchObject({ code: 'gpu_device_unknown', status: 400 });
    await gpu0.release();
    await gpu1.release();
  });
});
