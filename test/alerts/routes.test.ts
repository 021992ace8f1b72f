import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AlertActionResult, AlertHistoryResponse, AlertRecord, AlertsResponse } from '../../main/contract/alerts';
import type { LiveEvent } from '../../main/contract/events';
import { loadConfig } from '../../main/core/config/loader';
import { startServer, type ConsoleServer } from '../../main/server';
import { repoRoot, startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';

let redis: TestRedis;
let c: TestConsole;
let server: ConsoleServer;
const events: LiveEvent[] = [];

/** The shipped rules, with the storage rule's free-space floor set to 1 PB: every real disk is "full". */
function rulesWithTinyDisk(): unknown[] {
  const rules = (parse(readFileSync(join(repoRoot, 'config.yml'), 'utf8')) as { alerts: { rules: Array<Record<string, unknown>> } }).alerts.rules;
  return rules.map((r) =>
    r.id === 'storage_insufficient'
      ? { ...r, for: '0s', condition: { kind: 'threshold', metric: 'disk_free_bytes', op: '<', value: 1e15, clear: 1e15 }, message: { en: '{path} has {value} free (limit {threshold})', zh: '{path} 剩余 {value}' } }
      : r,
  );
}


async function post(body: unknown, auth = true): Promise<Response> {
  return fetch(`${server.url}/api/v1/monitoring/alerts/acknowledge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${server.token}` } : {}) },
    body: JSON.stringify(body),
  });
}
const get = async <T>(path: string): Promise<T> => (await (await fetch(`${server.url}${path}`)).json()) as T;
const api = { current: (q = '') => get<AlertsResponse>(`/api/v1/monitoring/alerts${q}`) };

async function sampleAndEvaluate(): Promise<void> {
  await server.services.require('monitoring').sampleOnce();
  await server.services.require('alerts').evaluate();
}

function watch(s: ConsoleServer) {
  s.bus.subscribe((e) => events.push(e));
}

beforeAll(async () => {
  redis = await startTestRedis();
  c = await startTestConsole({
    'redis.url': redis.url,
    'model.name': 'test-tiny-en',
    'monitoring.sample_interval_ms': 60_000,
    'alerts.evaluate_interval_ms': 600_000, // the test evaluates by hand
    'alerts.rules': rulesWithTinyDisk(),
  });
  server = c.server;
  watch(server);
});

afterAll(async () => {
  await server?.close();
  rmSync(c.dir, { recursive: true, force: true });
  await redis?.cleanup();
});

const storage = (alerts: AlertRecord[]) => alerts.filter((a) => a.rule_id === 'storage_insufficient');

describe('alerts over the routes, with a real Redis', () => {
  it('the storage rule fires for every data path under the configured free-space floor, with a desktop notification', async () => {
    await sampleAndEvaluate();
    const { alerts, counts } = await api.current();
    expect(storage(alerts).map((a) => a.labels.path).sort()).toEqual(['logs', 'model_cache', 'models', 'results', 'temp']);
    expect(storage(alerts).every((a) => a.state === 'firing' && a.severity === 'high' && /^alert_\d+$/.test(a.id))).toBe(true);
    expect(storage(alerts)[0]!.message.en).toMatch(/^\w+ has \d+(\.\d)? [GT]iB free \(limit 909 TiB\)$/);
    expect(storage(alerts)[0]!.runbook).toBe('5.3 File system');
    expect(storage(alerts)[0]!.action).toBe('clean_temp');
    expect(counts.high).toBeGreaterThanOrEqual(5);
    const transitions = events.filter((e) => e.type === 'alert').map((e) => (e.data as { transition: string }).transition);
    expect(transitions).toEqual(expect.arrayContaining(['pending', 'firing']));
    const notes = events.filter((e) => e.type === 'alert.notification');
    expect(notes.length).toBeGreaterThanOrEqual(5);
    expect((notes[0]!.data as { title: { en: string; zh: string } }).title).toEqual({ en: 'Data storage space insufficient', zh: '数据存储空间不足' });
    // evaluating again neither duplicates nor renumbers them
    const ids = storage(alerts).map((a) => a.id).sort();
    await sampleAndEvaluate();
    expect(storage((await api.current()).alerts).map((a) => a.id).sort()).toEqual(ids);
  });

  it("acknowledges with the manual's exact call (plus the token); without the token it is refused", async () => {
    const [first] = storage((await api.current()).alerts);
    const body = { alert_id: first!.id, action: 'acknowledge' };
    expect((await post(body, false)).status).toBe(401);
    const res = await post(body);
    expect(res.status).toBe(200);
    const out = (await res.json()) as AlertActionResult;
    expect(out.alert).toMatchObject({ id: first!.id, state: 'acknowledged', acknowledged_by: 'operator' });
    expect(out.alert.acknowledged_at).not.toBeNull();
    // still current (the disk is still "full"), and in the history as acknowledged
    expect((await api.current('?state=acknowledged')).alerts.map((a) => a.id)).toEqual([first!.id]);
    const hist = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?state=acknowledged');
    expect(hist.items.map((a) => a.id)).toContain(first!.id);
    expect(events.some((e) => e.type === 'alert' && (e.data as { transition: string }).transition === 'acknowledged')).toBe(true);
  });

  it('answers 404 for an unknown id and 400 for a bad action or a silence without duration', async () => {
    const unknown = await post({ alert_id: 'alert_999999', action: 'acknowledge' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('alert_not_found');
    const [a] = storage((await api.current()).alerts);
    expect((await post({ alert_id: a!.id, action: 'snooze' })).status).toBe(400);
    const noDuration = await post({ alert_id: a!.id, action: 'silence' });
    expect(noDuration.status).toBe(400);
    expect(((await noDuration.json()) as { error: { message: string } }).error.message).toMatch(/duration/);
  });

  it('silences for a duration and resolves; a resolved alert moves to the history and answers 409', async () => {
    const [, second, third] = storage((await api.current()).alerts).filter((a) => a.state === 'firing');
    const silenced = (await (await post({ alert_id: second!.id, action: 'silence', duration: '2h', note: 'disk swap scheduled' })).json()) as AlertActionResult;
    const until = Date.parse(silenced.alert.silenced_until!);
    expect(until - Date.now()).toBeGreaterThan(7_190_000);
    expect(until - Date.now()).toBeLessThan(7_210_000);
    expect(silenced.alert.note).toBe('disk swap scheduled');

    const resolved = (await (await post({ alert_id: third!.id, action: 'resolve', actor: 'ops-anna' })).json()) as AlertActionResult;
    expect(resolved.alert).toMatchObject({ state: 'resolved', resolved_by: 'ops-anna' });
    expect((await api.current()).alerts.map((a) => a.id)).not.toContain(third!.id);
    const again = await post({ alert_id: third!.id, action: 'acknowledge' });
    expect(again.status).toBe(409);
    const hist = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?state=resolved');
    expect(hist.items[0]!.id).toBe(third!.id);
  });

  it('feeds: configuration changed (low), maintenance reminder (low), system error (high)', async () => {
    const next = loadConfig(c.configFile);
    server.config.replace({ ...next, kpi: { ...next.kpi, retry_rate: { max: 0.2 } } });
    const alerts = server.services.require('alerts');
    alerts.maintenanceOverdue({ checklist: 'weekly', overdue: true, detail: '5 item(s) overdue' });
    alerts.reportSystemError('worker_crash', 'worker 2 exited with code 134');
    // the engine's status turning to "error" and an uncaught exception are picked up by the module itself
    server.services.provide('engineStatus', {
      status: () => ({ state: 'error', message: 'Model test-tiny-en failed to load', execution_provider: null, execution_provider_reason: null, variant_file: null, load_time_ms: null, graph_rewrite: null, encoder_rewrite: null, error: 'inference worker exited with code 139' }),
    });
    (process.emit as (event: string, ...args: unknown[]) => boolean)('uncaughtExceptionMonitor', new Error('boom in a timer'), 'uncaughtException');
    await alerts.evaluate();
    const cur = (await api.current()).alerts;
    expect(cur.find((a) => a.rule_id === 'config_changed')).toMatchObject({ severity: 'low', state: 'firing', message: { en: 'config.yml changed: kpi (profile cpu)' } });
    expect(cur.find((a) => a.rule_id === 'maintenance_reminder')).toMatchObject({ severity: 'low', labels: { checklist: 'weekly' } });
    const errors = cur.filter((a) => a.rule_id === 'system_error');
    expect(errors.map((a) => [a.labels.source, a.message.en]).sort()).toEqual([
      ['engine_crash', 'engine_crash: inference worker exited with code 139'],
      ['uncaught_exception', 'uncaught_exception: uncaughtException: boom in a timer'],
      ['worker_crash', 'worker_crash: worker 2 exited with code 134'],
    ]);
    expect(errors.every((a) => a.severity === 'high' && a.state === 'firing')).toBe(true);
    expect((await api.current('?severity=low')).alerts.every((a) => a.severity === 'low')).toBe(true);
    alerts.maintenanceOverdue({ checklist: 'weekly', overdue: false, detail: 'up to date' });
    await alerts.evaluate();
    expect((await api.current()).alerts.find((a) => a.rule_id === 'maintenance_reminder')).toBeUndefined();
  });

  it('open alerts, acknowledgements, silences and the history survive an app restart', async () => {
    const before = (await api.current()).alerts;
    const histBefore = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?page_size=500');
    await server.close();

    server = await startServer({ config: loadConfig(c.configFile), port: 0, watchConfig: false });
    watch(server);
    const after = (await api.current()).alerts;
    expect(after.map((a) => [a.id, a.state, a.silenced_until]).sort()).toEqual(before.map((a) => [a.id, a.state, a.silenced_until]).sort());
    const histAfter = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?page_size=500');
    expect(histAfter.items.map((a) => a.id)).toEqual(histBefore.items.map((a) => a.id));

    // the restored alerts keep their lifecycle: acting on them works, new ids do not collide
    const acked = after.find((a) => a.state === 'acknowledged' && a.rule_id === 'storage_insufficient')!;
    const res = (await (await post({ alert_id: acked.id, action: 'resolve' })).json()) as AlertActionResult;
    expect(res.alert.state).toBe('resolved');
    await sampleAndEvaluate(); // the disk is still "full": a new alert opens for that path
    const reopened = (await api.current()).alerts.find((a) => a.rule_id === 'storage_insufficient' && a.labels.path === acked.labels.path)!;
    const maxBefore = Math.max(...[...before, ...histBefore.items].map((a) => Number(a.id.slice('alert_'.length))));
    expect(Number(reopened.id.slice('alert_'.length))).toBeGreaterThan(maxBefore);
  });

  it('pages and filters the history by severity, rule and time', async () => {
    const all = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?page_size=500');
    expect(all.total).toBeGreaterThanOrEqual(3);
    const p1 = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?page=1&page_size=2');
    const p2 = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?page=2&page_size=2');
    expect(p1.items).toHaveLength(2);
    expect(p1.total).toBe(all.total);
    expect([...p1.items, ...p2.items].map((a) => a.id)).toEqual(all.items.slice(0, p1.items.length + p2.items.length).map((a) => a.id));
    const low = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?severity=low&page_size=500');
    expect(low.items.every((a) => a.severity === 'low')).toBe(true);
    const rule = await get<AlertHistoryResponse>('/api/v1/monitoring/alerts/history?rule=storage_insufficient&page_size=500');
    expect(rule.items.length).toBeGreaterThan(0);
    expect(rule.items.every((a) => a.rule_id === 'storage_insufficient')).toBe(true);
    const future = await get<AlertHistoryResponse>(`/api/v1/monitoring/alerts/history?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.total).toBe(0);
    const bad = await fetch(`${server.url}/api/v1/monitoring/alerts/history?since=yesterday`);
    expect(bad.status).toBe(400);
  });

  it('lists the rules with thresholds resolved from the kpi section', async () => {
    const { rules } = await get<{ rules: Array<{ id: string; condition: string; for_s: number }> }>('/api/v1/monitoring/alerts/rules');
    expect(rules.find((r) => r.id === 'api_slow')).toMatchObject({ condition: 'api_request_duration_p95_seconds{route="all"} > 1 (clears at 0.8)', for_s: 60 });
  });
});
