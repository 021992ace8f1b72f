import type { GpuLockEvent } from '../contract/gpu';
import { ConsoleError, describeError } from '../core/errors';
import type { Logger } from '../core/logger';
import { withDeadline } from './deadline';
import { GPU_LOCK_CHANNEL, type GpuLockKeys } from './keys';
import type { GpuLockSettings } from './options';
import type { GpuLockScripts } from './scripts';

export type GpuLockLostReason =
  /** The lock was gone at a heartbeat (expired, or force-released while pub/sub was down). */
  | 'expired'
  /** Another owner holds the lock. */
  | 'taken'
  | 'force_released'
  /** A heartbeat failed or timed out: the holder cannot prove it still owns the lock. */
  | 'heartbeat_failed'
  /** The Redis connection dropped: ownership is unknown until it is back. */
  | 'redis_disconnected'
  /** The lock manager was closed (shutdown) while the lease was held; the lock was released. */
  | 'closed';

/** One granted hold of a GPU lock. */
export interface GpuLease {
  readonly lockKey: string;
  readonly device: number;
  readonly token: string;
  /** Strictly larger than every earlier hold of this lock; record it with the job result. */
  readonly fencingToken: number;
  readonly jobId: string | null;
  readonly acquiredAt: Date;
  /** Aborted the moment the lock is lost; hand it to the GPU work so it stops at once. */
  readonly signal: AbortSignal;
  readonly lostReason: GpuLockLostReason | null;
  readonly heartbeats: number;
  /** Throws gpu_lock_lost once the lock is lost (call before committing results). */
  assertHeld(): void;
  /** Ends the hold. Resolves false when the lock was no longer this lease's (it had expired). */
  release(): Promise<boolean>;
}

/** What a lease needs from its manager. */
export interface LeaseContext {
  scripts: GpuLockScripts;
  settings: GpuLockSettings;
  logger: Logger;
  emit(event: GpuLockEvent): void;
  /** The lease ended (released or lost): the manager forgets it. */
  settled(lease: HeldGpuLock): void;
}

const LOST_MESSAGES: Record<GpuLockLostReason, string> = {
  expired: 'the lock had expired or been released by someone else when its heartbeat ran',
  taken: 'another owner holds the lock',
  force_released: 'an operator force-released it',
  heartbeat_failed: 'a heartbeat could not extend it',
  redis_disconnected: 'the connection to Redis dropped',
  closed: 'the console is shutting down',
};

export class HeldGpuLock implements GpuLease {
  readonly acquiredAt = new Date();
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private lost: GpuLockLostReason | null = null;
  private beats = 0;

  constructor(
    private readonly ctx: LeaseContext,
    private readonly keys: GpuLockKeys,
    readonly device: number,
    readonly token: string,
    readonly fencingToken: number,
    readonly jobId: string | null,
  ) {
    this.scheduleHeartbeat();
  }

  get lockKey(): string {
    return this.keys.lock;
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get lostReason(): GpuLockLostReason | null {
    return this.lost;
  }
  get heartbeats(): number {
    return this.beats;
  }
  get active(): boolean {
    return !this.ended;
  }

  assertHeld(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason as ConsoleError;
    if (this.ended) throw new ConsoleError('gpu_lock_released', `GPU lock ${this.lockKey} was already released by this job`, { status: 409 });
  }

  private scheduleHeartbeat(): void {
    this.timer = setTimeout(() => void this.heartbeat(), this.ctx.settings.heartbeatIntervalMs);
    this.timer.unref();
  }

  private async heartbeat(): Promise<void> {
    if (this.ended) return;
    const { settings, scripts } = this.ctx;
    let reply: 1 | 0 | -1;
    try {
      reply = await withDeadline(scripts.extend(this.keys, this.token, settings.ttlMs), settings.heartbeatTimeoutMs, `Heartbeat of ${this.lockKey}`);
    } catch (e) {
      this.markLost('heartbeat_failed', describeError(e));
      return;
    }
    if (this.ended) return;
    if (reply === 1) {
      this.beats++;
      this.scheduleHeartbeat();
      return;
    }
    this.markLost(reply === -1 ? 'taken' : 'expired');
  }

  /**
   * The lock is no longer provably ours: stop the work first (abort), then tell everyone,
   * then clean up in Redis. The cleanup runs even when Redis is away: ioredis sends it
   * after reconnecting, so a lock that came back with Redis (AOF) is freed, not left to expire.
   */
  markLost(reason: GpuLockLostReason, detail?: string, by?: { actor?: string; reason?: string }): void {
    if (this.ended) return;
    this.ended = true;
    this.lost = reason;
    clearTimeout(this.timer);
    const why = LOST_MESSAGES[reason] + (detail ? ` (${detail})` : '');
    const error = new ConsoleError('gpu_lock_lost', `Lost GPU lock ${this.lockKey}: ${why}`, {
      hint: 'The GPU work of this job was stopped so that two jobs never use the GPU at once; retry the job.',
      status: 409,
      details: { lock_key: this.lockKey, reason, fencing_token: this.fencingToken, job_id: this.jobId, ...(by ?? {}) },
    });
    this.controller.abort(error);
    this.ctx.settled(this);
    this.ctx.emit({
      kind: 'lost',
      lock_key: this.lockKey,
      device: this.device,
      message: error.message,
      token: this.token,
      job_id: this.jobId,
      fencing_token: this.fencingToken,
      reason,
      ...(by?.actor ? { actor: by.actor } : {}),
    });
    this.ctx.logger.warn({ lock_key: this.lockKey, reason, detail, job_id: this.jobId }, 'GPU lock lost; work aborted');
    const counters = reason === 'heartbeat_failed' || reason === 'taken' || reason === 'expired' ? 'lost heartbeat_failures' : 'lost';
    this.ctx.scripts
      .release(this.keys, this.token, counters, true, GPU_LOCK_CHANNEL)
      .catch((e: unknown) => this.ctx.logger.warn({ lock_key: this.lockKey, err: describeError(e) }, 'cleanup after a lost GPU lock failed; the lock expires by itself'));
  }

  /** Shutdown while held: the work must stop before the lock is given up, never after. */
  releaseAtShutdown(): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    this.lost = 'closed';
    this.controller.abort(
      new ConsoleError('gpu_lock_closed', `GPU lock ${this.lockKey} was given up because the console is shutting down`, {
        hint: 'The job is retried when the console runs again.',
        status: 503,
        details: { lock_key: this.lockKey, job_id: this.jobId, fencing_token: this.fencingToken },
      }),
    );
    return this.release();
  }

  async release(): Promise<boolean> {
    if (this.ended) return false;
    this.ended = true;
    clearTimeout(this.timer);
    this.ctx.settled(this);
    const { settings, scripts } = this.ctx;
    let released: boolean;
    try {
      ({ released } = await withDeadline(
        scripts.release(this.keys, this.token, 'releases', false, GPU_LOCK_CHANNEL),
        settings.commandTimeoutMs,
        `Release of ${this.lockKey}`,
      ));
    } catch (e) {
      throw new ConsoleError('gpu_lock_release_failed', `Could not release GPU lock ${this.lockKey}: ${describeError(e)}`, {
        hint: `The lock frees itself within ${settings.ttlMs} ms (its TTL); waiting jobs continue then.`,
        status: 503,
        cause: e,
      });
    }
    this.ctx.emit({
      kind: 'released',
      lock_key: this.lockKey,
      device: this.device,
      message: released
        ? `GPU lock ${this.lockKey} released after ${Date.now() - this.acquiredAt.getTime()} ms`
        : `GPU lock ${this.lockKey} was no longer held by this job when it released it (it had expired)`,
      token: this.token,
      job_id: this.jobId,
      fencing_token: this.fencingToken,
    });
    return released;
  }
}
