/**
 * The coarse series in Redis, so the charts keep their day after a restart: one list per
 * series ("<t> <v>" entries, trimmed to the ring size) and an index hash of series keys.
 */
import type { Redis } from 'ioredis';
import { untilReady } from './samplers';
import type { CoarsePoint, Labels, SeriesStore } from './series';

export interface SeriesHistoryOptions {
  prefix: string;
  /** Entries kept per series (the coarse ring size). */
  points: number;
  /** Lists of series no longer written expire after this. */
  ttlMs: number;
}

export class SeriesHistory {
  constructor(
    private readonly redis: () => Redis,
    private readonly opts: SeriesHistoryOptions,
  ) {}

  private listKey(key: string): string {
    return `${this.opts.prefix}:s:${key}`;
  }

  private get indexKey(): string {
    return `${this.opts.prefix}:index`;
  }

  /** Appends closed coarse points; on a Redis error they are handed back to retry later. */
  async save(points: CoarsePoint[]): Promise<CoarsePoint[]> {
    if (points.length === 0) return [];
    const multi = this.redis().multi();
    const seen = new Set<string>();
    for (const p of points) {
      const k = this.listKey(p.key);
      multi.rpush(k, `${p.t} ${p.v}`);
      if (!seen.has(p.key)) {
        seen.add(p.key);
        multi.hset(this.indexKey, p.key, JSON.stringify({ name: p.name, labels: p.labels }));
        multi.ltrim(k, -this.opts.points, -1).pexpire(k, this.opts.ttlMs);
      }
    }
    try {
      await multi.exec();
      return [];
    } catch {
      return points;
    }
  }

  /** Loads every persisted series into the store; returns how many series came back. */
  async load(store: SeriesStore): Promise<number> {
    const r = this.redis();
    await untilReady(r, 5_000);
    const index = await r.hgetall(this.indexKey);
    const keys = Object.keys(index);
    if (keys.length === 0) return 0;
    const pipe = r.pipeline();
    for (const k of keys) pipe.lrange(this.listKey(k), 0, -1);
    const lists = (await pipe.exec()) ?? [];
    let loaded = 0;
    const gone: string[] = [];
    keys.forEach((k, i) => {
      const [err, entries] = lists[i] ?? [null, []];
      const meta = JSON.parse(index[k]!) as { name: string; labels: Labels };
      const list = err ? [] : (entries as string[]);
      if (list.length === 0) {
        gone.push(k);
        return;
      }
      const points = list.map((e) => {
        const [t, v] = e.split(' ');
        return { t: Number(t), v: Number(v) };
      });
      store.loadCoarse(meta.name, meta.labels, points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)));
      loaded++;
    });
    if (gone.length) await r.hdel(this.indexKey, ...gone);
    return loaded;
  }
}
