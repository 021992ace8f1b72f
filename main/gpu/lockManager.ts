import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GpuLockEvent, GpuLockHealth, ReleaseLockResult } from '../contract/gpu';
import { ConsoleError, describeError } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import type { AuditSink } from './audit';
import { withDeadline } from './deadline';
import { noGpuEvents, type GpuEventEmitter } from './events';
import { holderFromHash, lockHealthReport, lockStatus, parseOwnerToken, readLockSnapshots, unreachableReport, type HealthContext } from './health';
import { GPU_LOCK_CHANNEL, gpuLockKeys, parseGpuLockKey } from './keys';
import { HeldGpuLock, type GpuLease } from './lease';
import type { GpuLockSettings } from './options';
import { PendingAcquisition } from './pendingAcquisition';
import { isPidAlive } from './processes';
import { GpuLockScripts } from './scripts';

export interface GpuLockManagerOptions {
  /** Opens a new Redis connection; called twice (commands, pub/sub). The manager closes both. */
  redis: () => Redis;
  settings: GpuLockSettings;
  /** Number of GPU locks (devices 0..n-1): GPUs found by telemetry, else `gpu.device_count`, else 1. */
  deviceCount: () => number;
  /** Where force releases are recorded; without one, the result says the audit entry is missing. */
  audit?: AuditSink;
  emit?: GpuEventEmitter;
  logger?: Logger;
}

export interface AcquireOptions {
  /** GPU index; default 0. */
  device?: number;
  /** Default `gpu.lock.acquire_timeout_ms`. */
  timeoutMs?: number;
  /** Aborting it withdraws from the queue (rejects with gpu_lock_cancelled). */
  signal?: AbortSignal;
  jobId?: string;
}

export interface ForceReleaseRequest {
  lockKey: string;
  /** Who asked (recorded in the audit log). */
  actor: string;
  reason?: string;
}

interface PubSubMessage {
  kind?: string;
  lock?: string;
  token?: string;
  next?: string;
  actor?: string;
  reason?: string;
}

/**
 * One lock per GPU in Redis (`gpu_lock:<index>`), shared by every process and host using
 * that Redis: fair FIFO acquisition, heartbeats, fencing tokens, stale-holder release,
 * force release and a health report. See docs/gpu-lock.md.
 */
export class GpuLockManager {
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly scripts: GpuLockScripts;
  private readonly settings: GpuLockSettings;
  private readonly logger: Logger;
  private readonly emitEvent: GpuEventEmitter;
  private readonly leases = new Map<string, HeldGpuLock>();
  private readonly pending = new Map<string, PendingAcquisition>();
  private readonly staleSeen = new Set<string>();
  private started: Promise<void> | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private sweeping = false;

  constructor(private readonly opts: GpuLockManagerOptions) {
    this.settings = opts.settings;
    this.logger = opts.logger ?? silentLogger;
    this.emitEvent = opts.emit ?? noGpuEvents;
    this.commands = opts.redis();
    this.subscriber = opts.redis();
    this.scripts = new GpuLockScripts(this.commands);
    for (const c of [this.commands, this.subscriber]) {
      c.on('error', (e: Error) => this.logger.debug({ err: e.message }, 'GPU lock Redis connection error'));
    }
    // Connection gone = ownership unknown; a restarted Redis without persistence could grant
    // the lock to someone else at once, so holders stop now rather than at the next heartbeat.
    this.commands.on('close', () => {
      if (this.closed) return;
      for (const lease of [...this.leases.values()]) lease.markLost('redis_disconnected');
    });
    this.subscriber.on('message', (_channel: string, text: string) => this.onMessage(text));
  }

  /** Subscribes to lock notifications and starts the stale-holder sweep; acquire() calls it. */
  start(): Promise<void> {
    this.started ??= (async () => {
      if (this.closed) throw new ConsoleError('gpu_lock_closed', 'The GPU lock manager is shut down', { status: 503 });
      await this.subscriber.subscribe(GPU_LOCK_CHANNEL);
      this.staleTimer = setInterval(() => {
        // One at a time: while Redis is away a check waits in ioredis' queue.
        if (this.sweeping) return;
        this.sweeping = true;
        this.sweepStale()
          .catch((e: unknown) => this.logger.warn({ err: describeError(e) }, 'GPU stale-lock check failed'))
          .finally(() => (this.sweeping = false));
      }, this.settings.staleCheckIntervalMs);
      this.staleTimer.unref();
    })();
    // A failed start (Redis refused the subscription) is tried again by the next caller.
    this.started.catch(() => (this.started = undefined));
    return this.started;
  }

  /** start(), but a caller never waits longer than its own deadline for Redis to answer. */
  private async ready(timeoutMs: number): Promise<void> {
    try {
      await withDeadline(this.start(), timeoutMs, 'Subscribing to GPU lock notifications');
    } catch (e) {
      if (e instanceof ConsoleError && e.code === 'gpu_lock_closed') throw e;
      throw new ConsoleError('gpu_lock_unavailable', `Cannot wait for a GPU lock: ${describeError(e)}`, {
        hint: 'The GPU lock lives in Redis; check that Redis is running (redis-cli PING).',
        status: 503,
        cause: e,
      });
    }
  }

  /** This process's current holds. */
  held(): GpuLease[] {
    return [...this.leases.values()];
  }

  /** Waits (fair FIFO) until the GPU is granted, the timeout passes or the signal aborts. */
  async acquire(opts: AcquireOptions = {}): Promise<GpuLease> {
    const device = this.checkDevice(opts.device ?? 0);
    const timeoutMs = opts.timeoutMs ?? this.settings.acquireTimeoutMs;
    await this.ready(timeoutMs);
    this.assertOpen();
    const p = new PendingAcquisition(
      this.pendingContext(),
      gpuLockKeys(device),
      device,
      this.newToken(),
      opts.jobId ?? null,
      timeoutMs,
      opts.signal,
    );
    this.pending.set(p.token, p);
    p.start();
    return p.promise;
  }

  /** Takes the GPU only if it is free and nobody is queued for it; never waits. */
  async tryAcquire(opts: Omit<AcquireOptions, 'timeoutMs' | 'signal'> = {}): Promise<GpuLease | null> {
    const device = this.checkDevice(opts.device ?? 0);
    await this.ready(this.settings.commandTimeoutMs);
    this.assertOpen();
    const keys = gpuLockKeys(device);
    const token = this.newToken();
    const jobId = opts.jobId ?? null;
    const attempt = this.scripts.acquire(keys, {
      token,
      ttlMs: this.settings.ttlMs,
      ticketLeaseMs: this.settings.waiterTtlMs,
      queue: false,
      host: this.settings.hostId,
      pid: process.pid,
      jobId,
      waiterJson: '',
    });
    let reply;
    try {
      reply = await withDeadline(attempt, this.settings.commandTimeoutMs, `Trying GPU lock ${keys.lock}`);
    } catch (e) {
      // The attempt may still run once Redis answers; this release queues behind it and undoes a late grant.
      this.scripts.release(keys, token, '', false, GPU_LOCK_CHANNEL).catch(() => undefined);
      throw new ConsoleError('gpu_lock_unavailable', `Cannot take GPU lock ${keys.lock}: ${describeError(e)}`, {
        hint: 'The GPU lock lives in Redis; check that Redis is running (redis-cli PING).',
        status: 503,
        cause: e,
      });
    }
    return reply.granted ? this.grant(device, token, jobId, reply.fencingToken) : null;
  }

  private recent: { at: number; report: Promise<GpuLockHealth> } | null = null;

  /**
   * health({ sweep: false }) read at most once per maxAgeMs, callers in between sharing the
   * last read: the /health component, which monitors poll many times a second (reading
   * every lock is one Redis transaction of 9 commands per GPU). Redis itself is checked
   * live by /health's redis component, so a stopped Redis still fails /health at once.
   */
  recentHealth(maxAgeMs: number): Promise<GpuLockHealth> {
    const now = Date.now();
    if (!this.recent || now - this.recent.at >= maxAgeMs) this.recent = { at: now, report: this.health({ sweep: false }) };
    return this.recent.report;
  }

  /**
   * The report behind GET /api/v1/monitoring/gpu-lock/health; never throws (Redis down = status unhealthy).
   * `sweep: false` (the /health component, asked many times a second by monitors) skips the
   * stale-holder sweep, which the stale-check timer runs anyway: one Redis round trip.
   */
  async health(opts: { sweep?: boolean } = {}): Promise<GpuLockHealth> {
    try {
      if (this.settings.releaseStaleOnDeadPid && opts.sweep !== false) await withDeadline(this.sweepStale(), this.settings.commandTimeoutMs, 'GPU stale-lock check');
      const devices = [...Array(this.deviceCount()).keys()];
      const { nowMs, snapshots } = await withDeadline(readLockSnapshots(this.commands, devices), this.settings.commandTimeoutMs, 'Reading the GPU locks');
      const ctx: HealthContext = { nowMs, hostId: this.settings.hostId, settings: this.settings, isPidAlive };
      const locks = snapshots.map((snapshot) => lockStatus(snapshot, ctx));
      return lockHealthReport(locks, ctx);
    } catch (e) {
      return unreachableReport(describeError(e), this.settings);
    }
  }

  /**
   * The emergency action behind POST /api/v1/monitoring/release-lock: deletes the lock
   * whoever holds it, tells the holder (pub/sub) to stop, and records an audit entry.
   * Unknown lock key: ConsoleError gpu_lock_unknown (404). Redis down: gpu_lock_unavailable (503).
   */
  async forceRelease(req: ForceReleaseRequest): Promise<ReleaseLockResult> {
    const device = parseGpuLockKey(req.lockKey);
    const count = this.deviceCount();
    if (device === null || device >= count) {
      throw new ConsoleError('gpu_lock_unknown', `There is no GPU lock "${req.lockKey}"`, {
        hint: `This console has ${count} GPU lock${count === 1 ? '' : 's'}: ${[...Array(count).keys()].map((d) => `gpu_lock:${d}`).join(', ')}.`,
        status: 404,
        details: { lock_key: req.lockKey },
      });
    }
    const keys = gpuLockKeys(device);
    const reason = req.reason?.trim() || 'emergency release by an operator';
    let reply;
    try {
      reply = await withDeadline(this.scripts.forceRelease(keys, GPU_LOCK_CHANNEL, req.actor, reason), this.settings.commandTimeoutMs, `Force release of ${keys.lock}`);
    } catch (e) {
      throw new ConsoleError('gpu_lock_unavailable', `Could not release ${keys.lock}: ${describeError(e)}`, {
        hint: 'Redis must be reachable to release a GPU lock (redis-cli PING); a lock frees itself when its TTL runs out.',
        status: 503,
        cause: e,
      });
    }
    const ctx: HealthContext = { nowMs: reply.serverNowMs, hostId: this.settings.hostId, settings: this.settings, isPidAlive };
    const previous = reply.previousToken ? holderFromHash(reply.previousToken, reply.holder, ctx) : null;
    if (reply.previousToken) this.leases.get(reply.previousToken)?.markLost('force_released', `by ${req.actor}: ${reason}`, { actor: req.actor, reason });
    const message = previous
      ? `${keys.lock} released; it was held by pid ${previous.pid} on ${previous.host}${previous.job_id ? ` (job ${previous.job_id})` : ''} for ${previous.held_ms} ms, which was told to stop`
      : `${keys.lock} was not held; nothing to release`;
    this.emit({ kind: 'force_released', lock_key: keys.lock, device, message, actor: req.actor, reason, ...(previous ? { token: previous.token, job_id: previous.job_id, fencing_token: previous.fencing_token } : {}) });
    this.logger.warn({ lock_key: keys.lock, actor: req.actor, reason, previous }, 'GPU lock force-released');
    let audit: ReleaseLockResult['audit'];
    if (!this.opts.audit) {
      audit = { recorded: false, error: 'no audit log is configured for GPU lock releases' };
    } else {
      try {
        await this.opts.audit.record({ actor: req.actor, action: 'gpu_lock.force_release', target: keys.lock, reason, previous, at: new Date().toISOString() });
        audit = { recorded: true };
      } catch (e) {
        audit = { recorded: false, error: `the release happened but the audit entry could not be written: ${describeError(e)}` };
        this.logger.error({ lock_key: keys.lock, err: describeError(e) }, 'audit entry for a GPU lock force release failed');
      }
    }
    return { lock_key: keys.lock, released: previous !== null, previous, message, audit };
  }

  /** Withdraws every waiter, stops the work of every hold of this process and releases it, closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.staleTimer);
    const endings = [...this.pending.values()].map((p) => p.end('closed'));
    const releases = [...this.leases.values()].map((l) => l.releaseAtShutdown().catch(() => false));
    await withDeadline(Promise.allSettled([...endings, ...releases]), this.settings.commandTimeoutMs, 'Closing the GPU lock manager').catch(() => undefined);
    await Promise.all(
      [this.commands, this.subscriber].map((c) =>
        withDeadline(c.quit(), this.settings.commandTimeoutMs, 'Closing a Redis connection').catch(() => c.disconnect()),
      ),
    );
  }

  /**
   * A holder on this host whose pid is gone cannot heartbeat, but its lock would block the
   * GPU until the TTL runs out; with release_stale_on_dead_pid it is freed at once.
   */
  private async sweepStale(): Promise<void> {
    const devices = [...Array(this.deviceCount()).keys()];
    // The owner token names its host and pid, so one GET per lock is enough.
    const tokens = devices.length === 0 ? [] : await this.commands.mget(devices.map((d) => gpuLockKeys(d).lock));
    const stillStale = new Set<string>();
    for (const [i, device] of devices.entries()) {
      const token = tokens[i];
      if (!token || this.leases.has(token)) continue;
      const keys = gpuLockKeys(device);
      const holder = parseOwnerToken(token);
      if (holder.host !== this.settings.hostId || isPidAlive(holder.pid)) continue;
      stillStale.add(token);
      if (!this.staleSeen.has(token)) {
        this.emit({ kind: 'stale', lock_key: keys.lock, device, token, message: `${keys.lock} is stale: holder pid ${holder.pid} on ${holder.host} is gone` });
      }
      if (!this.settings.releaseStaleOnDeadPid) continue;
      const r = await this.scripts.release(keys, token, 'stale_releases', false, GPU_LOCK_CHANNEL);
      if (r.released) {
        stillStale.delete(token);
        this.emit({ kind: 'stale_released', lock_key: keys.lock, device, token, message: `${keys.lock} released: its holder pid ${holder.pid} on ${holder.host} had died` });
      }
    }
    this.staleSeen.clear();
    for (const t of stillStale) this.staleSeen.add(t);
  }

  private onMessage(text: string): void {
    let msg: PubSubMessage;
    try {
      msg = JSON.parse(text) as PubSubMessage;
    } catch {
      return;
    }
    if (msg.kind === 'force_released' && msg.token) {
      this.leases.get(msg.token)?.markLost('force_released', `by ${msg.actor ?? 'an operator'}: ${msg.reason ?? ''}`, {
        ...(msg.actor ? { actor: msg.actor } : {}),
        ...(msg.reason ? { reason: msg.reason } : {}),
      });
    }
    if (msg.next) this.pending.get(msg.next)?.wake();
  }

  private grant(device: number, token: string, jobId: string | null, fencingToken: number): GpuLease {
    const lease = new HeldGpuLock(
      {
        scripts: this.scripts,
        settings: this.settings,
        logger: this.logger,
        emit: (e) => this.emit(e),
        settled: (l) => this.leases.delete(l.token),
      },
      gpuLockKeys(device),
      device,
      token,
      fencingToken,
      jobId,
    );
    this.leases.set(token, lease);
    this.emit({ kind: 'acquired', lock_key: lease.lockKey, device, token, job_id: jobId, fencing_token: fencingToken, message: `GPU lock ${lease.lockKey} acquired (fencing token ${fencingToken})` });
    return lease;
  }

  private pendingContext() {
    return {
      scripts: this.scripts,
      settings: this.settings,
      logger: this.logger,
      host: this.settings.hostId,
      pid: process.pid,
      emit: (e: GpuLockEvent) => this.emit(e),
      grant: (p: PendingAcquisition, fencingToken: number) => this.grant(p.device, p.token, p.jobId, fencingToken),
      settled: (p: PendingAcquisition) => this.pending.delete(p.token),
    };
  }

  private emit(event: GpuLockEvent): void {
    try {
      this.emitEvent('gpu.lock', event);
    } catch (e) {
      this.logger.warn({ err: describeError(e) }, 'GPU lock event listener threw');
    }
  }

  private deviceCount(): number {
    return Math.max(1, Math.floor(this.opts.deviceCount()));
  }

  private checkDevice(device: number): number {
    const count = this.deviceCount();
    if (!Number.isInteger(device) || device < 0 || device >= count) {
      throw new ConsoleError('gpu_device_unknown', `GPU ${device} does not exist (this console has ${count} GPU lock${count === 1 ? '' : 's'})`, {
        hint: 'Use a device_id below the number of GPUs nvidia-smi reports, or set gpu.device_count in config.yml.',
        status: 400,
      });
    }
    return device;
  }

  private assertOpen(): void {
    if (this.closed) throw new ConsoleError('gpu_lock_closed', 'The GPU lock manager is shut down', { status: 503 });
  }

  private newToken(): string {
    return `${this.settings.hostId}:${process.pid}:${randomBytes(8).toString('hex')}`;
  }
}
