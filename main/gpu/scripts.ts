import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { packageRoot } from '../core/paths';
import type { GpuLockKeys } from './keys';

/** The Lua files in main/gpu/lua, by command name; `-N` in the file name = number of KEYS. */
const SCRIPT_FILES = {
  gpuLockAcquire: 'gpuLockAcquire-7.lua',
  gpuLockExtend: 'gpuLockExtend-2.lua',
  gpuLockRelease: 'gpuLockRelease-6.lua',
  gpuLockForceRelease: 'gpuLockForceRelease-6.lua',
} as const;
type ScriptName = keyof typeof SCRIPT_FILES;

let sources: Map<ScriptName, { lua: string; numberOfKeys: number }> | undefined;
const defined = new WeakSet<Redis>();

/** Read once per process; the path works from source and from a packaged app (main/gpu/lua ships as is). */
function loadSources(dir = join(packageRoot(), 'main', 'gpu', 'lua')) {
  if (sources) return sources;
  const loaded = new Map<ScriptName, { lua: string; numberOfKeys: number }>();
  for (const [name, file] of Object.entries(SCRIPT_FILES) as [ScriptName, string][]) {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    loaded.set(name, { lua: readFileSync(join(dir, file), 'utf8'), numberOfKeys });
  }
  return (sources = loaded);
}

type Arg = string | number;
type ScriptCall = (...args: Arg[]) => Promise<unknown>;

export interface AcquireReply {
  granted: boolean;
  /** Fencing token when granted. */
  fencingToken: number;
  /** Queue position when not granted (1 = next, 0 = not queued). */
  position: number;
  /** Remaining lock lifetime when not granted (-2 = free). */
  lockPttl: number;
}

export interface ReleaseReply {
  released: boolean;
  withdrawn: boolean;
  nextTicket: string | null;
}

export interface ForceReleaseReply {
  previousToken: string | null;
  serverNowMs: number;
  holder: Record<string, string>;
}

/** Typed calls of the GPU lock scripts on one connection (EVALSHA, EVAL after a Redis restart). */
export class GpuLockScripts {
  constructor(private readonly redis: Redis) {
    if (defined.has(redis)) return;
    for (const [name, src] of loadSources()) redis.defineCommand(name, src);
    defined.add(redis);
  }

  private call(name: ScriptName, keys: string[], args: Arg[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<ScriptName, ScriptCall>)[name];
    return fn.call(this.redis, ...keys, ...args);
  }

  async acquire(
    k: GpuLockKeys,
    a: { token: string; ttlMs: number; ticketLeaseMs: number; queue: boolean; host: string; pid: number; jobId: string | null; waiterJson: string },
  ): Promise<AcquireReply> {
    const r = (await this.call('gpuLockAcquire', [k.lock, k.holder, k.fence, k.stats, k.queue, k.tickets, k.waiters], [
      a.token,
      a.ttlMs,
      a.ticketLeaseMs,
      a.queue ? '1' : '0',
      a.host,
      a.pid,
      a.jobId ?? '',
      a.waiterJson,
    ])) as [number, number, number];
    return r[0] === 1
      ? { granted: true, fencingToken: Number(r[1]), position: 0, lockPttl: 0 }
      : { granted: false, fencingToken: 0, position: Number(r[1]), lockPttl: Number(r[2]) };
  }

  /** 1 extended, 0 lock gone, -1 another owner holds it. */
  async extend(k: GpuLockKeys, token: string, ttlMs: number): Promise<1 | 0 | -1> {
    return Number(await this.call('gpuLockExtend', [k.lock, k.holder], [token, ttlMs])) as 1 | 0 | -1;
  }

  async release(k: GpuLockKeys, token: string, counter: string, countAlways: boolean, channel: string): Promise<ReleaseReply> {
    const r = (await this.call('gpuLockRelease', [k.lock, k.holder, k.stats, k.queue, k.tickets, k.waiters], [
      token,
      counter,
      countAlways ? '1' : '0',
      channel,
    ])) as [number, number, string];
    return { released: r[0] === 1, withdrawn: r[1] === 1, nextTicket: r[2] || null };
  }

  async forceRelease(k: GpuLockKeys, channel: string, actor: string, reason: string): Promise<ForceReleaseReply> {
    const r = (await this.call('gpuLockForceRelease', [k.lock, k.holder, k.stats, k.queue, k.tickets, k.waiters], [
      channel,
      actor,
      reason,
    ])) as [string, number, string[]];
    return { previousToken: r[0] || null, serverNowMs: Number(r[1]), holder: pairsToRecord(r[2]) };
  }
}

export function pairsToRecord(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
