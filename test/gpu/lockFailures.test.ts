import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { eventually, spawnLockProcess, testManager, testSettings, type LockProcess, type TestManager } from './lockHarness';

let redis: TestRedis;
let client: Redis;
const managers: TestManager[] = [];
const procs: LockProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
  client.on('error', () => undefined); // the Redis restart test stops it on purpose
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

function manager(settings = testSettings()): TestManager {
  const m = testManager(redis.url, settings);
  managers.push(m);
  return m;
}

async function holderProcess(settings = testSettings()): Promise<{ proc: LockProcess; token: string; fencing: number }> {
  const proc = spawnLockProcess(redis.url, 'hold', settings);
  procs.push(proc);
  const msg = await proc.next((m) => m.acquired === true);
  return { proc, token: msg.token as string, fencing: msg.fencing as number };
}

describe('a GPU lock holder that dies', () => {
  it('killed with kill -9 mid-hold: the lock frees itself within TTL + one heartbeat and the waiter gets it', async () => {
    const settings = testSettings({ ttlMs: 1500, heartbeatIntervalMs: 500, releaseStaleOnDeadPid: false });
    const { proc, token, fencing } = await holderProcess(settings);
    const { manager: waiterSide } = manager(settings);
    const waiting = waiterSide.acquire({ jobId: 'next-job', timeoutMs: 30_000 });
    await eventually('the waiter to be queued', async () => (await waiterSide.health()).locks[0]!.waiters.count === 1);
    expect((await waiterSide.health()).locks[0]!.holder?.token).toBe(token);

    const killedAt = Date.now();
    proc.child.kill('SIGKILL');
    await proc.exited;
    await eventually('gpu_lock:0 to leave the dead holder', async () => (await client.get('gpu_lock:0')) !== token);
    const freedAfterMs = Date.now() - killedAt;
    const lease = await waiting;
    console.info(`[gpu-lock] dead holder's lock passed to the waiter ${freedAfterMs} ms after kill -9 (ttl ${settings.ttlMs}, heartbeat ${settings.heartbeatIntervalMs})`);

    // Semantics: the last heartbeat was at most one interval before the kill, and the lock
    // lives one TTL after it; 1 s more covers scheduling on a loaded 2-core machine.
    expect(freedAfterMs).toBeLessThanOrEqual(settings.ttlMs + settings.heartbeatIntervalMs + 1000);
    expect(lease.jobId).toBe('next-job');
    expect(lease.fencingToken).toBeGreaterThan(fencing);
    const lock = (await waiterSide.health()).locks[0]!;
    expect(lock.state).toBe('held');
    expect(lock.holder?.job_id).toBe('next-job');
    expect(lock.counters.expired).toBe(1);
    await lease.release();
  });

  it('dead holder on this host is reported stale; with release_stale_on_dead_pid it is released at once, long before its TTL', async () => {
    const longTtl = testSettings({ ttlMs: 60_000, heartbeatIntervalMs: 20_000, heartbeatTimeoutMs: 5000, staleCheckIntervalMs: 300 });
    const { proc, token } = await holderProcess(longTtl);
    proc.child.kill('SIGKILL');
    await proc.exited;

    const { manager: observer, events: observed } = manager({ ...longTtl, releaseStaleOnDeadPid: false });
    const report = await observer.health();
    const lock = report.locks[0]!;
    expect(lock.state).toBe('stale');
    expect(lock.holder).toMatchObject({ token, pid: proc.pid, host: 'test-host', pid_alive: false });
    expect(lock.message).toMatch(/gone/);
    expect(report.status).toBe('degraded');
    await observer.start();
    await eventually('a stale event', () => observed.some((e) => e.kind === 'stale' && e.token === token));
    expect(await client.get('gpu_lock:0')).toBe(token); // reported, not released

    const { manager: releaser, events } = manager({ ...longTtl, releaseStaleOnDeadPid: true });
    const lease = await releaser.acquire({ jobId: 'after-stale', timeoutMs: 20_000 });
    expect(events.some((e) => e.kind === 'stale_released' && e.token === token)).toBe(true);
    const after = (await releaser.health()).locks[0]!;
    expect(after.holder?.job_id).toBe('after-stale');
    expect(after.counters.stale_releases).toBe(1);
    await lease.release();
  });
});

describe('a GPU lock holder that cannot heartbeat', () => {
  it('Redis restarted while held: the holder is told at once, its work stops, the waiter gets the lock after, state is consistent', async () => {
    const settings = testSettings({ ttlMs: 3000, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 800 });
    const { manager: holderSide, events } = manager(settings);
    const { manager: waiterSide } = manager(settings);
    const lease = await holderSide.acquire({ jobId: 'transcribe-1' });
    let lostAt = 0;
    const work = new Promise<string>((resolve) => {
      const t = setInterval(() => undefined, 20);
      lease.signal.addEventListener('abort', () => {
        clearInterval(t);
        lostAt = Date.now();
        resolve('stopped');
      });
    });
    const waiting = waiterSide.acquire({ jobId: 'transcribe-2', timeoutMs: 30_000 });
    await eventually('the waiter to be queued', async () => (await waiterSide.health()).locks[0]!.waiters.count === 1);

    await redis.stop();
    expect(await work).toBe('stopped');
    expect(lease.lostReason).toMatch(/redis_disconnected|heartbeat_failed/);
    expect(() => lease.assertHeld()).toThrow(/Lost GPU lock gpu_lock:0/);
    expect((lease.signal.reason as { code: string }).code).toBe('gpu_lock_lost');
    expect(events.find((e) => e.kind === 'lost')).toMatchObject({ lock_key: 'gpu_lock:0', job_id: 'transcribe-1' });

    await redis.start();
    const next = await waiting;
    expect(Date.now()).toBeGreaterThan(lostAt);
    expect(next.fencingToken).toBeGreaterThan(lease.fencingToken);
    const held = (await holderSide.health()).locks[0]!;
    expect(held.state).toBe('held');
    expect(held.holder?.job_id).toBe('transcribe-2');
    expect(held.counters.lost).toBe(1);
    await next.release();
    const free = (await holderSide.health()).locks[0]!;
    expect(free).toMatchObject({ state: 'free', holder: null, ttl_ms: null, waiters: { count: 0, list: [] } });
    expect(await client.exists('gpu_lock:0', 'gpu_lock:0:holder')).toBe(0);
  });

  it('a heartbeat that finds the lock taken by another owner aborts the holder', async () => {
    const { manager: holderSide, events } = manager();
    const lease = await holderSide.acquire();
    await client.set('gpu_lock:0', 'intruder:1:x', 'PX', 60_000);
    await eventually('the holder to notice', () => lease.signal.aborted);
    expect(lease.lostReason).toBe('taken');
    expect(events.find((e) => e.kind === 'lost')?.message).toMatch(/another owner holds the lock/);
    expect(await client.get('gpu_lock:0')).toBe('intruder:1:x'); // the cleanup never deletes someone else's lock
    const counters = (await holderSide.health()).locks[0]!.counters;
    expect(counters).toMatchObject({ lost: 1, heartbeat_failures: 1 });
  });

  it('heartbeats keep a lock alive well past its TTL and show in the lock health', async () => {
    const settings = testSettings();
    const { manager: holderSide } = manager(settings);
    const lease = await holderSide.acquire({ jobId: 'long-file' });
    await eventually('three TTLs of holding', async () => {
      const h = await holderSide.health();
      return (h.locks[0]!.holder?.held_ms ?? 0) > 3 * settings.ttlMs;
    });
    const report = await holderSide.health();
    const lock = report.locks[0]!;
    expect(report.status).toBe('healthy');
    expect(lock.state).toBe('held');
    expect(lock.holder).toMatchObject({ job_id: 'long-file', pid: process.pid, host: 'test-host', pid_alive: true, fencing_token: lease.fencingToken });
    expect(lock.holder!.heartbeats).toBeGreaterThanOrEqual(5);
    expect(lock.ttl_ms).toBeGreaterThan(0);
    expect(lock.ttl_ms).toBeLessThanOrEqual(settings.ttlMs);
    expect(lock.heartbeat_age_ms).toBeLessThan(2 * settings.heartbeatIntervalMs);
    expect(lease.signal.aborted).toBe(false);
    expect(await lease.release()).toBe(true);
  });
});
