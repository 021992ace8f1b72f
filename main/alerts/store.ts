/**
 * Alerts in Redis, so open alerts and the history survive a restart of the console:
 *   <p>:records   hash  id → alert JSON (open and historical)
 *   <p>:open      set   ids of pending / firing / acknowledged alerts
 *   <p>:history   zset  ids of acknowledged and resolved alerts, scored by their last change (ms)
 *   <p>:silences  hash  rule+labels key → silenced until (ms)
 *   <p>:seq       last alert number handed out
 */
import type { Redis } from 'ioredis';
import type { AlertRecord } from '../contract/alerts';
import { untilReady } from '../monitoring/samplers';

export interface HistoryFilter {
  severity?: string | undefined;
  rule?: string | undefined;
  state?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
}

export class AlertStore {
  constructor(
    private readonly redis: () => Redis,
    private readonly prefix: string,
    private readonly historyMax: number,
  ) {}

  private k(name: string): string {
    return `${this.prefix}:${name}`;
  }

  async load(): Promise<{ open: AlertRecord[]; silences: Map<string, number>; seq: number }> {
    const r = this.redis();
    await untilReady(r, 5_000);
    const [ids, silences, seq] = await Promise.all([r.smembers(this.k('open')), r.hgetall(this.k('silences')), r.get(this.k('seq'))]);
    const json = ids.length ? await r.hmget(this.k('records'), ...ids) : [];
    const open = json.filter((j): j is string => j !== null).map((j) => JSON.parse(j) as AlertRecord);
    return { open, silences: new Map(Object.entries(silences).map(([k, v]) => [k, Number(v)])), seq: Number(seq ?? 0) };
  }

  /** Writes changed alerts (the latest version of each), silences and the id counter in one transaction. */
  async save(changed: AlertRecord[], dropped: string[], silences: ReadonlyMap<string, number>, seq: number): Promise<void> {
    await untilReady(this.redis(), 2_000);
    const m = this.redis().multi();
    for (const a of changed) {
      m.hset(this.k('records'), a.id, JSON.stringify(a));
      if (a.state === 'resolved') m.srem(this.k('open'), a.id);
      else m.sadd(this.k('open'), a.id);
      if (a.state === 'acknowledged' || a.state === 'resolved') m.zadd(this.k('history'), Date.parse(a.updated_at), a.id);
    }
    for (const id of dropped) m.hdel(this.k('records'), id).srem(this.k('open'), id).zrem(this.k('history'), id);
    m.del(this.k('silences'));
    if (silences.size) m.hset(this.k('silences'), Object.fromEntries([...silences].map(([k, v]) => [k, String(v)])));
    m.set(this.k('seq'), String(seq));
    const res = await m.exec();
    const failed = res?.find(([err]) => err);
    if (!res || failed) throw failed?.[0] ?? new Error('Redis transaction aborted');
    await this.trim();
  }

  /** Drops the oldest resolved alerts beyond history_max. */
  private async trim(): Promise<void> {
    const r = this.redis();
    const excess = (await r.zcard(this.k('history'))) - this.historyMax;
    if (excess <= 0) return;
    const oldest = await r.zrange(this.k('history'), 0, excess - 1);
    const open = oldest.length ? await r.smismember(this.k('open'), ...oldest) : [];
    const gone = oldest.filter((_, i) => !open[i]);
    if (gone.length) await r.multi().hdel(this.k('records'), ...gone).zrem(this.k('history'), ...gone).exec();
  }

  async get(id: string): Promise<AlertRecord | null> {
    const j = await this.redis().hget(this.k('records'), id);
    return j ? (JSON.parse(j) as AlertRecord) : null;
  }

  /** Acknowledged and resolved alerts, newest first, filtered, one page. */
  async history(f: HistoryFilter, page: number, pageSize: number): Promise<{ items: AlertRecord[]; total: number }> {
    const r = this.redis();
    const ids = await r.zrevrangebyscore(this.k('history'), f.until ?? '+inf', f.since ?? '-inf');
    const all: AlertRecord[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const j of await r.hmget(this.k('records'), ...chunk)) if (j) all.push(JSON.parse(j) as AlertRecord);
    }
    const hits = all.filter((a) => (!f.severity || a.severity === f.severity) && (!f.rule || a.rule_id === f.rule) && (!f.state || a.state === f.state));
    return { items: hits.slice((page - 1) * pageSize, page * pageSize), total: hits.length };
  }
}
