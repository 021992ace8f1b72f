import type { Redis } from 'ioredis';
import type { MaintenanceRun } from '../contract/maintenance';

export interface RunHistoryOptions {
  redis: Redis;
  prefix?: string;
  max: () => number;
}

/**
 * Maintenance runs and the little state the checks keep between runs (error-scan cursors,
 * benchmark baseline, disk samples), in Redis so they survive restarts.
 */
export class RunHistory {
  private readonly prefix: string;
  constructor(private readonly opts: RunHistoryOptions) {
    this.prefix = opts.prefix ?? 'wxc:maintenance';
  }

  private key(name: string): string {
    return `${this.prefix}:${name}`;
  }

  async record(run: MaintenanceRun): Promise<void> {
    const json = JSON.stringify(run);
    await this.opts.redis
      .multi()
      .lpush(this.key('runs'), json)
      .ltrim(this.key('runs'), 0, this.opts.max() - 1)
      .hset(this.key('last'), run.item_id, json)
      .exec();
  }

  /** Latest run of every item that has one. */
  async lastRuns(): Promise<Map<string, MaintenanceRun>> {
    const all = await this.opts.redis.hgetall(this.key('last'));
    return new Map(Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as MaintenanceRun]));
  }

  async lastRun(itemId: string): Promise<MaintenanceRun | null> {
    const json = await this.opts.redis.hget(this.key('last'), itemId);
    return json ? (JSON.parse(json) as MaintenanceRun) : null;
  }

  /** Latest run of any item using this check kind (e.g. the previous error-log scan). */
  async lastRunOfCheck(check: string): Promise<MaintenanceRun | null> {
    let best: MaintenanceRun | null = null;
    for (const run of (await this.lastRuns()).values()) {
      if (run.check === check && (!best || run.finished_at > best.finished_at)) best = run;
    }
    return best;
  }

  async list(filter: { item?: string | undefined; period?: string | undefined; limit: number }): Promise<MaintenanceRun[]> {
    const raw = await this.opts.redis.lrange(this.key('runs'), 0, -1);
    const out: MaintenanceRun[] = [];
    for (const json of raw) {
      const run = JSON.parse(json) as MaintenanceRun;
      if (filter.item && run.item_id !== filter.item) continue;
      if (filter.period && run.period !== filter.period) continue;
      out.push(run);
      if (out.length >= filter.limit) break;
    }
    return out;
  }

  async getState<T>(name: string): Promise<T | null> {
    const json = await this.opts.redis.hget(this.key('state'), name);
    return json ? (JSON.parse(json) as T) : null;
  }

  async setState(name: string, value: unknown): Promise<void> {
    await this.opts.redis.hset(this.key('state'), name, JSON.stringify(value));
  }

  /** First time this data dir's Redis saw the console: never-run items are due one period after it. */
  async installedAt(now: number): Promise<number> {
    await this.opts.redis.hsetnx(this.key('state'), 'installed_at', JSON.stringify(now));
    return (await this.getState<number>('installed_at')) ?? now;
  }

  async addSample(name: string, sample: unknown, keep: number): Promise<void> {
    await this.opts.redis.multi().rpush(this.key(name), JSON.stringify(sample)).ltrim(this.key(name), -keep, -1).exec();
  }

  async samples<T>(name: string): Promise<T[]> {
    return (await this.opts.redis.lrange(this.key(name), 0, -1)).map((s) => JSON.parse(s) as T);
  }
}
