import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { spawnLockProcess, testManager, testSettings } from './lockHarness';

let redis: TestRedis;
let client: Redis;

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  await client.quit();
  await redis.cleanup();
});

describe('GPU lock under contention from several processes', () => {
  it('4 processes x 250 acquire/critical-section/release cycles never overlap, and fencing tokens strictly increase', async () => {
    const settings = testSettings({ ttlMs: 5000, heartbeatIntervalMs: 1500, heartbeatTimeoutMs: 1000, waiterRecheckMs: 1000, waiterTtlMs: 10_000 });
    const procs = Array.from({ length: 4 }, () => spawnLockProcess(redis.url, 'cycles', settings, { GPU_TEST_CYCLES: '250' }));
    await Promise.all(procs.map((p) => p.next((m) => m.ready === true)));
    const started = Date.now();
    await client.rpush('test:go', '1', '1', '1', '1');
    const results = await Promise.all(procs.map((p) => p.next((m) => m.done === true)));
    const elapsed = Date.now() - started;
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0, 0]);

    expect(Number(await client.get('test:ops'))).toBe(1000);
    expect(Number((await client.get('test:overlaps')) ?? 0)).toBe(0);
    expect(Number((await client.get('test:fence_regressions')) ?? 0)).toBe(0);
    expect(Number((await client.get('test:lost_releases')) ?? 0)).toBe(0);

    const all: number[] = [];
    for (const r of results) {
      const fences = r.fences as number[];
      expect(fences).toHaveLength(250);
      for (let i = 1; i < fences.length; i++) expect(fences[i]!).toBeGreaterThan(fences[i - 1]!);
      all.push(...fences);
    }
    // Every hold got its own token, and together they are one gap-free run of the counter.
    const sorted = [...all].sort((a, b) => a - b);
    expect(new Set(all).size).toBe(1000);
    expect(sorted[999]! - sorted[0]!).toBe(999);

    const { manager } = testManager(redis.url, settings);
    const health = await manager.health();
    await manager.close();
    const lock = health.locks[0]!;
    expect(lock.state).toBe('free');
    expect(lock.waiters.count).toBe(0);
    expect(lock.counters.acquisitions).toBe(1000);
    expect(lock.counters.releases).toBe(1000);
    expect(lock.counters.lost).toBe(0);
    // They really competed (else "no overlap" would prove nothing): acquisitions queued behind another holder.
    expect(lock.counters.contended).toBeGreaterThan(0);
    console.info(`[gpu-lock] 1000 cycles across 4 processes in ${elapsed} ms; contended ${lock.counters.contended}`);
  });
});

describe('GPU lock state for /health', () => {
  it('recentHealth reads the locks at most once per max age and shows a change once that age has passed', async () => {
    const settings = testSettings({ ttlMs: 60_000, heartbeatIntervalMs: 20_000, heartbeatTimeoutMs: 5000 });
    const { manager } = testManager(redis.url, settings);
    const { manager: holder } = testManager(redis.url, settings);
    try {
      const before = await manager.recentHealth(60_000);
      expect(before.locks[0]!.state).toBe('free');
      const lease = await holder.acquire({ jobId: 'health-cache' });
      // Within the max age: the same read, shared.
      expect(manager.recentHealth(60_000)).toBe(manager.recentHealth(60_000));
      expect((await manager.recentHealth(60_000)).locks[0]!.state).toBe('free');
      // Once older than the max age: read again.
      const now = await manager.recentHealth(0);
      expect(now.locks[0]!.state).toBe('held');
      expect(now.locks[0]!.holder?.job_id).toBe('health-cache');
      await lease.release();
      expect((await manager.recentHealth(0)).locks[0]!.state).toBe('free');
    } finally {
      await manager.close();
      await holder.close();
    }
  });
});
