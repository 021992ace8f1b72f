import type { Redis } from 'ioredis';
import type { GpuLockCounters, GpuLockHealth, GpuLockHolder, GpuLockStatus, GpuLockWaiter } from '../contract/gpu';
import { gpuLockKey, gpuLockKeys } from './keys';
import type { GpuLockSettings } from './options';
import { pairsToRecord } from './scripts';

/** One lock as read from Redis in one MULTI (so the parts agree with each other). */
export interface LockSnapshot {
  device: number;
  token: string | null;
  /** PTTL of the lock key: -2 missing, -1 without expiry. */
  pttl: number;
  holder: Record<string, string>;
  stats: Record<string, string>;
  /** Tickets, head first. */
  queue: string[];
  ticketDeadlines: Map<string, number>;
  waiters: Record<string, string>;
  fence: string | null;
}

/** ioredis gives HGETALL as an object; tolerate the flat-array form too. */
function asRecord(v: unknown): Record<string, string> {
  if (Array.isArray(v)) return pairsToRecord(v as string[]);
  return (v ?? {}) as Record<string, string>;
}

/** Every lock's keys and the server time, in one MULTI. */
export async function readLockSnapshots(redis: Redis, devices: number[]): Promise<{ nowMs: number; snapshots: LockSnapshot[] }> {
  const multi = redis.multi().time();
  for (const d of devices) {
    const k = gpuLockKeys(d);
    multi.get(k.lock).pttl(k.lock).hgetall(k.holder).hgetall(k.stats).zrange(k.queue, 0, -1);
    multi.zrange(k.tickets, 0, -1, 'WITHSCORES').hgetall(k.waiters).get(k.fence);
  }
  const rows = await multi.exec();
  if (!rows) throw new Error('the Redis transaction was aborted');
  const values = rows.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
  const [sec, micro] = values[0] as [string, string];
  const snapshots = devices.map((device, i): LockSnapshot => {
    const [token, pttl, holder, stats, queue, tickets, waiters, fence] = values.slice(1 + i * 8, 9 + i * 8);
    const pairs = tickets as string[];
    const ticketDeadlines = new Map<string, number>();
    for (let j = 0; j + 1 < pairs.length; j += 2) ticketDeadlines.set(pairs[j]!, Number(pairs[j + 1]));
    return {
      device,
      token: (token as string | null) ?? null,
      pttl: Number(pttl),
      holder: asRecord(holder),
      stats: asRecord(stats),
      queue: queue as string[],
      ticketDeadlines,
      waiters: asRecord(waiters),
      fence: (fence as string | null) ?? null,
    };
  });
  return { nowMs: Number(sec) * 1000 + Math.floor(Number(micro) / 1000), snapshots };
}

export interface HealthContext {
  /** Redis server time: ages are measured on one clock whatever host wrote them. */
  nowMs: number;
  hostId: string;
  settings: GpuLockSettings;
  isPidAlive: (pid: number) => boolean;
}

const num = (v: string | undefined, fallback = 0): number => {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) ? n : fallback;
};
const iso = (ms: number): string => new Date(ms).toISOString();

/** `<host>:<pid>:<random>`; the host may itself contain ':' (an IPv6 host id), so parse from the right. */
export function parseOwnerToken(token: string): { host: string; pid: number } {
  const parts = token.split(':');
  if (parts.length < 3) return { host: token, pid: 0 };
  return { host: parts.slice(0, -2).join(':'), pid: num(parts[parts.length - 2]) };
}

export function holderFromHash(token: string, hash: Record<string, string>, ctx: HealthContext): GpuLockHolder {
  const own = hash.token === token;
  const fromToken = parseOwnerToken(token);
  const host = own ? (hash.host ?? fromToken.host) : fromToken.host;
  const pid = own ? num(hash.pid, fromToken.pid) : fromToken.pid;
  const acquiredAt = own ? num(hash.acquired_at, ctx.nowMs) : ctx.nowMs;
  const lastHeartbeat = own ? num(hash.last_heartbeat, acquiredAt) : acquiredAt;
  return {
    token,
    host,
    pid,
    job_id: own && hash.job_id ? hash.job_id : null,
    fencing_token: own ? num(hash.fencing_token) : 0,
    acquired_at: iso(acquiredAt),
    last_heartbeat: iso(lastHeartbeat),
    heartbeat_age_ms: Math.max(0, ctx.nowMs - lastHeartbeat),
    held_ms: Math.max(0, ctx.nowMs - acquiredAt),
    heartbeats: own ? num(hash.heartbeats) : 0,
    pid_alive: host === ctx.hostId ? ctx.isPidAlive(pid) : null,
  };
}

function counters(stats: Record<string, string>): GpuLockCounters {
  return {
    acquisitions: num(stats.acquisitions),
    contended: num(stats.contended),
    releases: num(stats.releases),
    timeouts: num(stats.timeouts),
    cancelled: num(stats.cancelled),
    lost: num(stats.lost),
    heartbeat_failures: num(stats.heartbeat_failures),
    expired: num(stats.expired),
    force_releases: num(stats.force_releases),
    stale_releases: num(stats.stale_releases),
  };
}

function waiterList(s: LockSnapshot, nowMs: number): GpuLockWaiter[] {
  const list: GpuLockWaiter[] = [];
  for (const ticket of s.queue) {
    const deadline = s.ticketDeadlines.get(ticket) ?? nowMs;
    if (deadline <= nowMs) continue; // lapsed: the next acquire attempt drops it
    const raw = s.waiters[ticket] ?? '';
    const bar = raw.indexOf('|');
    const enqueuedAt = num(raw.slice(0, bar), nowMs);
    let info: { host?: string; pid?: number; job_id?: string | null } = {};
    try {
      info = JSON.parse(raw.slice(bar + 1)) as typeof info;
    } catch {
      info = parseOwnerToken(ticket);
    }
    list.push({
      position: list.length + 1,
      host: info.host ?? parseOwnerToken(ticket).host,
      pid: info.pid ?? parseOwnerToken(ticket).pid,
      job_id: info.job_id ?? null,
      enqueued_at: iso(enqueuedAt),
      waiting_ms: Math.max(0, nowMs - enqueuedAt),
      ticket_expires_in_ms: deadline - nowMs,
    });
  }
  return list;
}

export function lockStatus(s: LockSnapshot, ctx: HealthContext): GpuLockStatus {
  const lockKey = gpuLockKey(s.device);
  const list = waiterList(s, ctx.nowMs);
  const base = {
    lock_key: lockKey,
    device: s.device,
    waiters: { count: list.length, list },
    last_fencing_token: s.fence === null ? null : num(s.fence),
    counters: counters(s.stats),
  };
  if (s.token === null) {
    const message = list.length === 0 ? 'free' : `free; ${list.length} waiting (the first in line takes it next)`;
    return { ...base, state: 'free', message, holder: null, ttl_ms: null, heartbeat_age_ms: null };
  }
  const holder = holderFromHash(s.token, s.holder, ctx);
  const ttl = s.pttl >= 0 ? s.pttl : null;
  const who = `pid ${holder.pid} on ${holder.host}${holder.job_id ? ` (job ${holder.job_id})` : ''}`;
  const common = { ...base, holder, ttl_ms: ttl, heartbeat_age_ms: holder.heartbeat_age_ms };
  if (holder.pid_alive === false) {
    const fate = ctx.settings.releaseStaleOnDeadPid ? 'it is being released' : `it expires in ${ttl ?? '?'} ms`;
    return { ...common, state: 'stale', message: `stale: holder ${who} is gone; ${fate}` };
  }
  let message = `held by ${who} for ${holder.held_ms} ms`;
  if (s.pttl === -1) message += '; WARNING: the key has no TTL (set outside the console?) and never expires by itself';
  else if (holder.heartbeat_age_ms > 2 * ctx.settings.heartbeatIntervalMs) message += `; heartbeat late (last ${holder.heartbeat_age_ms} ms ago)`;
  return { ...common, state: 'held', message };
}

/** A lock that needs an operator's eye: stale, a late heartbeat, or no TTL. */
function troubled(l: GpuLockStatus, settings: GpuLockSettings): boolean {
  if (l.state === 'stale') return true;
  if (l.state !== 'held') return false;
  return l.ttl_ms === null || (l.heartbeat_age_ms ?? 0) > 2 * settings.heartbeatIntervalMs;
}

export function lockHealthReport(locks: GpuLockStatus[], ctx: HealthContext): GpuLockHealth {
  const held = locks.filter((l) => l.state !== 'free').length;
  const waiting = locks.reduce((n, l) => n + l.waiters.count, 0);
  const bad = locks.filter((l) => troubled(l, ctx.settings));
  const base = {
    timestamp: iso(ctx.nowMs),
    ttl_ms: ctx.settings.ttlMs,
    heartbeat_interval_ms: ctx.settings.heartbeatIntervalMs,
    release_stale_on_dead_pid: ctx.settings.releaseStaleOnDeadPid,
    locks,
  };
  if (bad.length > 0) {
    return {
      ...base,
      status: 'degraded',
      message: bad.map((l) => `${l.lock_key}: ${l.message}`).join('; '),
      hint: 'A lock whose holder is gone frees itself when its TTL runs out; to free it now, use "Release GPU lock" (POST /api/v1/monitoring/release-lock).',
    };
  }
  return {
    ...base,
    status: 'healthy',
    message: `${locks.length} GPU lock${locks.length === 1 ? '' : 's'}: ${held} held, ${locks.length - held} free, ${waiting} waiting`,
  };
}

export function unreachableReport(error: string, settings: GpuLockSettings, nowMs = Date.now()): GpuLockHealth {
  return {
    status: 'unhealthy',
    message: `Cannot read the GPU locks from Redis: ${error}`,
    hint: 'Check that Redis is running (redis-cli PING); GPU jobs wait until it is back, and locks held before expire by themselves.',
    timestamp: iso(nowMs),
    ttl_ms: settings.ttlMs,
    heartbeat_interval_ms: settings.heartbeatIntervalMs,
    release_stale_on_dead_pid: settings.releaseStaleOnDeadPid,
    locks: [],
  };
}
