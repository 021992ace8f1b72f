/**
 * A GPU job in its own process, for the cross-process lock tests (spawned by lockHarness).
 * Prints one JSON line per thing that happens.
 *   cycles: waits for the start signal, then acquire / critical section / release N times
 *           with a shared "inside" counter in Redis that proves no two holders overlap.
 *   hold:   acquire, then "work" until the lock is lost (exit 3) or the process is killed.
 */
import { Redis } from 'ioredis';
import { GpuLockManager } from '../../main/gpu/lockManager';
import type { GpuLockSettings } from '../../main/gpu/options';

const url = process.env.GPU_TEST_REDIS_URL!;
const settings = JSON.parse(process.env.GPU_TEST_SETTINGS!) as GpuLockSettings;
const prefix = process.env.GPU_TEST_PREFIX ?? 'test';
const say = (msg: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...msg })}\n`);

const manager = new GpuLockManager({
  redis: () => new Redis(url, { retryStrategy: () => 100, maxRetriesPerRequest: null }),
  settings,
  deviceCount: () => 1,
  emit: (type, data) => {
    if (process.env.GPU_TEST_MODE !== 'cycles') say({ event: type, data });
  },
});

async function cycles(): Promise<void> {
  const redis = new Redis(url);
  const count = Number(process.env.GPU_TEST_CYCLES ?? 250);
  const fences: number[] = [];
  say({ ready: true });
  await redis.blpop(`${prefix}:go`, 0);
  for (let i = 0; i < count; i++) {
    const lease = await manager.acquire({ timeoutMs: 60_000, jobId: `${process.pid}-${i}` });
    if ((await redis.incr(`${prefix}:inside`)) !== 1) await redis.incr(`${prefix}:overlaps`);
    const last = Number((await redis.get(`${prefix}:last_fence`)) ?? 0);
    if (lease.fencingToken <= last) await redis.incr(`${prefix}:fence_regressions`);
    await redis.set(`${prefix}:last_fence`, lease.fencingToken);
    await new Promise((r) => setImmediate(r));
    await redis.incr(`${prefix}:ops`);
    await redis.decr(`${prefix}:inside`);
    fences.push(lease.fencingToken);
    if (!(await lease.release())) await redis.incr(`${prefix}:lost_releases`);
  }
  say({ done: true, fences });
  await manager.close();
  await redis.quit();
}

async function hold(): Promise<void> {
  const lease = await manager.acquire({ jobId: process.env.GPU_TEST_JOB_ID ?? `job-${process.pid}` });
  say({ acquired: true, token: lease.token, fencing: lease.fencingToken });
  let workUnits = 0;
  // Stand-in for GPU work: runs until the lease's signal says the lock is gone.
  const work = setInterval(() => workUnits++, 20);
  lease.signal.addEventListener('abort', () => {
    clearInterval(work);
    const reason = lease.signal.reason as { code?: string; message?: string };
    say({ lost: true, reason: lease.lostReason, code: reason.code, message: reason.message, workUnits });
    void manager.close().finally(() => process.exit(3));
  });
}

void (process.env.GPU_TEST_MODE === 'cycles' ? cycles() : hold()).catch((e: unknown) => {
  say({ error: String((e as Error).message ?? e) });
  process.exit(1);
});
