import type { GpuLockEvent } from '../contract/gpu';
import { ConsoleError, describeError } from '../core/errors';
import type { Logger } from '../core/logger';
import { GPU_LOCK_CHANNEL, type GpuLockKeys } from './keys';
import type { GpuLease } from './lease';
import type { GpuLockSettings } from './options';
import type { AcquireReply, GpuLockScripts } from './scripts';

export interface PendingContext {
  scripts: GpuLockScripts;
  settings: GpuLockSettings;
  logger: Logger;
  host: string;
  pid: number;
  emit(event: GpuLockEvent): void;
  grant(p: PendingAcquisition, fencingToken: number): GpuLease;
  settled(p: PendingAcquisition): void;
}

type Ending = 'timeout' | 'cancelled' | 'closed';

/**
 * One `acquire` that is waiting in the lock's queue. It does not poll: it tries when told
 * over pub/sub that it is next, and otherwise only on a slow safety re-check (which also
 * keeps its ticket alive, and catches a lock that expired, since expiry sends no message).
 */
export class PendingAcquisition {
  readonly promise: Promise<GpuLease>;
  private resolve!: (lease: GpuLease) => void;
  private reject!: (error: unknown) => void;
  private done = false;
  private inFlight = false;
  private again = false;
  private queuedAt: number | null = null;
  private recheck: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private lastError: string | null = null;
  private readonly onAbort = () => void this.end('cancelled');

  constructor(
    private readonly ctx: PendingContext,
    readonly keys: GpuLockKeys,
    readonly device: number,
    readonly token: string,
    readonly jobId: string | null,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise<GpuLease>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  start(): void {
    if (this.signal?.aborted) {
      void this.end('cancelled');
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.deadline = setTimeout(() => void this.end('timeout'), this.timeoutMs);
    void this.attempt();
  }

  /** Told over pub/sub that this ticket is at the head of a free lock. */
  wake(): void {
    void this.attempt();
  }

  private async attempt(): Promise<void> {
    if (this.done) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    clearTimeout(this.recheck);
    const { scripts, settings } = this.ctx;
    let reply: AcquireReply | null = null;
    try {
      reply = await scripts.acquire(this.keys, {
        token: this.token,
        ttlMs: settings.ttlMs,
        ticketLeaseMs: settings.waiterTtlMs,
        queue: true,
        host: this.ctx.host,
        pid: this.ctx.pid,
        jobId: this.jobId,
        waiterJson: JSON.stringify({ host: this.ctx.host, pid: this.ctx.pid, job_id: this.jobId }),
      });
      this.lastError = null;
    } catch (e) {
      // Redis away: keep waiting (the deadline still applies) and try again on the re-check.
      this.lastError = describeError(e);
      this.ctx.logger.warn({ lock_key: this.keys.lock, err: this.lastError }, 'GPU lock acquire attempt failed; retrying');
    } finally {
      this.inFlight = false;
    }
    // Ended meanwhile: its withdrawal runs after this attempt on the same connection and
    // frees the lock if this attempt was granted, so nothing to undo here.
    if (this.done) return;
    if (reply?.granted) {
      this.finish();
      this.resolve(this.ctx.grant(this, reply.fencingToken));
      return;
    }
    if (reply && this.queuedAt === null) {
      this.queuedAt = Date.now();
      this.ctx.emit({
        kind: 'waiting',
        lock_key: this.keys.lock,
        device: this.device,
        message: `Waiting for GPU lock ${this.keys.lock} (position ${reply.position})`,
        token: this.token,
        job_id: this.jobId,
        position: reply.position,
      });
    }
    if (this.again) {
      this.again = false;
      void this.attempt();
      return;
    }
    const recheckMs = this.ctx.settings.waiterRecheckMs;
    // Next in line behind a held lock: look again right when it would expire.
    const delay = reply && reply.position === 1 && reply.lockPttl > 0 ? Math.min(reply.lockPttl + 10, recheckMs) : recheckMs;
    this.recheck = setTimeout(() => void this.attempt(), delay);
    this.recheck.unref();
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.recheck);
    clearTimeout(this.deadline);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.ctx.settled(this);
  }

  /** Gives up: rejects the acquire and withdraws the ticket (and a grant that raced with it). */
  async end(how: Ending): Promise<void> {
    if (this.done) return;
    this.finish();
    const waited = this.queuedAt === null ? 0 : Date.now() - this.queuedAt;
    const { settings } = this.ctx;
    const error =
      how === 'timeout'
        ? new ConsoleError('gpu_lock_timeout', `GPU ${this.device} was not free within ${this.timeoutMs} ms (lock ${this.keys.lock})`, {
            hint: this.lastError
              ? `Redis could not be reached (${this.lastError}); check it with redis-cli PING.`
              : 'Another job holds the GPU; see GET /api/v1/monitoring/gpu-lock/health, wait, or raise gpu.lock.acquire_timeout_ms.',
            status: 503,
            details: { lock_key: this.keys.lock, timeout_ms: this.timeoutMs },
          })
        : how === 'cancelled'
          ? new ConsoleError('gpu_lock_cancelled', `Waiting for GPU lock ${this.keys.lock} was cancelled`, {
              status: 499,
              cause: this.signal?.reason,
              details: { lock_key: this.keys.lock },
            })
          : new ConsoleError('gpu_lock_closed', `The GPU lock manager shut down while waiting for ${this.keys.lock}`, { status: 503 });
    this.reject(error);
    if (how !== 'closed') {
      this.ctx.emit({
        kind: how,
        lock_key: this.keys.lock,
        device: this.device,
        message: `${error.message} after waiting ${waited} ms`,
        token: this.token,
        job_id: this.jobId,
      });
    }
    try {
      const counter = how === 'timeout' ? 'timeouts' : 'cancelled';
      await this.ctx.scripts.release(this.keys, this.token, counter, false, GPU_LOCK_CHANNEL);
    } catch (e) {
      this.ctx.logger.warn(
        { lock_key: this.keys.lock, err: describeError(e) },
        `could not withdraw a GPU lock ticket; it lapses within ${settings.waiterTtlMs} ms`,
      );
    }
  }
}
