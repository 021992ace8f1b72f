import type { Redis } from 'ioredis';
import type { FleetWorker } from '../contract/jobs';
import { describeError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { JobKeys } from './settings';

/**
 * Workers announce themselves with a record that expires after the heartbeat TTL; the list
 * is whatever records still exist, so a dead worker drops out within one TTL without any
 * clock comparison between hosts.
 */
export class WorkerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: JobKeys,
    readonly ttlMs: number,
  ) {}

  async list(): Promise<FleetWorker[]> {
    const ids = await this.redis.smembers(this.keys.workers);
    if (ids.length === 0) return [];
    const records = await this.redis.mget(ids.map((id) => this.keys.worker(id)));
    const gone = ids.filter((_, i) => !records[i]);
    if (gone.length) await this.redis.srem(this.keys.workers, ...gone);
    return records
      .filter((r): r is string => Boolean(r))
      .map((r) => JSON.parse(r) as FleetWorker)
      .sort((a, b) => a.started_at.localeCompare(b.started_at));
  }

  /** Starts heartbeating `record()` every third of the TTL; returns a stop function that removes the record. */
  announce(record: () => Omit<FleetWorker, 'last_seen'>, logger: Logger): () => Promise<void> {
    let stopped = false;
    const beat = async () => {
      const r = record();
      const full: FleetWorker = { ...r, last_seen: new Date().toISOString() };
      await this.redis.multi().set(this.keys.worker(r.id), JSON.stringify(full), 'PX', this.ttlMs).sadd(this.keys.workers, r.id).exec();
    };
    const tick = () => {
      if (stopped) return;
      beat().catch((e: unknown) => logger.debug({ err: describeError(e) }, 'worker heartbeat failed (Redis away?)'));
    };
    tick();
    const timer = setInterval(tick, Math.max(100, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
      const id = record().id;
      await this.redis.multi().del(this.keys.worker(id)).srem(this.keys.workers, id).exec().catch(() => undefined);
    };
  }
}
