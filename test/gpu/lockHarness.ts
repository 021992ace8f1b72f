import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { GpuLockEvent } from '../../main/contract/gpu';
import type { AuditEntry, AuditSink } from '../../main/gpu/audit';
import { GpuLockManager, type GpuLockManagerOptions } from '../../main/gpu/lockManager';
import type { GpuLockSettings } from '../../main/gpu/options';

/** Short timings so failure cases finish in seconds; the proportions match the defaults. */
export function testSettings(over: Partial<GpuLockSettings> = {}): GpuLockSettings {
  return {
    ttlMs: 1500,
    heartbeatIntervalMs: 500,
    heartbeatTimeoutMs: 400,
    releaseStaleOnDeadPid: false,
    staleCheckIntervalMs: 500,
    waiterRecheckMs: 500,
    waiterTtlMs: 2000,
    acquireTimeoutMs: 30_000,
    commandTimeoutMs: 2000,
    hostId: 'test-host',
    ...over,
  };
}

/** A connection per call, reconnecting quickly after a Redis restart. */
export function redisFactory(url: string): () => Redis {
  return () => new Redis(url, { retryStrategy: () => 100, maxRetriesPerRequest: null });
}

export class MemoryAudit implements AuditSink {
  readonly entries: AuditEntry[] = [];
  record(entry: AuditEntry): void {
    this.entries.push(entry);
  }
}

export interface TestManager {
  manager: GpuLockManager;
  events: GpuLockEvent[];
}

export function testManager(url: string, settings: GpuLockSettings, extra: Partial<GpuLockManagerOptions> = {}): TestManager {
  const events: GpuLockEvent[] = [];
  const manager = new GpuLockManager({
    redis: redisFactory(url),
    settings,
    deviceCount: () => 1,
    emit: (type, data) => {
      if (type === 'gpu.lock') events.push(data as GpuLockEvent);
    },
    ...extra,
  });
  return { manager, events };
}

/** Polls a condition until it holds; the bound is generous and only stops a hung test. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, boundMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > boundMs) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface LockProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the first JSON line matching the predicate. */
  next(match: (msg: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  messages: Record<string, unknown>[];
  exited: Promise<number | null>;
}

const script = fileURLToPath(new URL('./gpuLockProcess.ts', import.meta.url));

/** A separate Node process running test/gpu/gpuLockProcess.ts (modes: cycles, hold, wait). */
export function spawnLockProcess(url: string, mode: 'cycles' | 'hold', settings: GpuLockSettings, env: Record<string, string> = {}): LockProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, GPU_TEST_REDIS_URL: url, GPU_TEST_MODE: mode, GPU_TEST_SETTINGS: JSON.stringify(settings), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages: Record<string, unknown>[] = [];
  const waiters: { match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    messages.push(msg);
    for (const w of [...waiters]) {
      if (w.match(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    }
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    child,
    pid: child.pid!,
    messages,
    exited,
    next: (match) => {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void exited.then((code) => reject(new Error(`lock process ${child.pid} exited (${code}) before the expected message; got ${JSON.stringify(messages)}`)));
      });
    },
  };
}
