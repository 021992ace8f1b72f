import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checklistView, maintenanceRun, type MaintenanceRun } from '../../main/contract/maintenance';
import type { ResultsIndex } from '../../main/maintenance/ports';
import { DISK_SAMPLES } from '../../main/maintenance/checks/advice';
import { startMaintenanceConsole, type MaintenanceConsole } from './console';

let c: MaintenanceConsole;

/** A results index like main/jobs' ResultsStore: absolute paths and their sha256. */
class FolderIndex implements ResultsIndex {
  entriesList: Array<{ jobId: string; files: { path: string; sha256: string }[] }> = [];
  async *entries() {
    yield* this.entriesList;
  }
  add(resultsDir: string, jobId: string, files: Record<string, string>) {
    mkdirSync(join(resultsDir, jobId), { recursive: true });
    const list = Object.entries(files).map(([name, text]) => {
      const path = join(resultsDir, jobId, name);
      writeFileSync(path, text);
      return { path, sha256: createHash('sha256').update(text).digest('hex') };
    });
    this.entriesList.push({ jobId, files: list });
    return list;
  }
}

const runItem = async (id: string): Promise<MaintenanceRun> => {
  const r = await c.post(`/api/v1/maintenance/items/${id}/run`, { operator: 'alice' });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return maintenanceRun.parse(r.json);
};

beforeAll(async () => {
  c = await startMaintenanceConsole();
});
afterAll(async () => {
  await c?.cleanup();
});

describe('the manual\'s four checklists, as data from config.yml', () => {
  it('lists exactly the manual\'s items per period, bilingual, automated or manual, each with a due date', async () => {
    const res = await c.fetch('/api/v1/maintenance/checklists');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { checklists: unknown[] };
    const lists = body.checklists.map((l) => checklistView.parse(l));
    const titles = Object.fromEntries(lists.map((l) => [l.period, l.items.map((i) => i.title.zh)]));
    expect(titles).toEqual({
      daily: ['检查服务状态', '检查系统资源使用', '查看错误日志', '检查告警状态', '验证备份状态'],
      weekly: ['性能基准测试', '清理日志文件', '检查安全更新', '验证数据完整性', '检查配置优化'],
      monthly: ['系统更新和补丁', '容量规划评估', '灾难恢复演练', '性能调优', '文档更新'],
      quarterly: ['架构评估', '安全审计', '容量规划', '技术债务清理'],
    });
    const kinds = Object.fromEntries(lists.flatMap((l) => l.items.map((i) => [i.id, i.kind])));
    expect(kinds).toMatchObject({ service_status: 'automated', security_updates: 'manual', system_updates: 'manual', disaster_recovery_drill: 'automated', capacity_planning: 'automated' });
    const daily = lists.find((l) => l.period === 'daily')!;
    expect(daily.items[0]!.title.en).toBe('Check service status');
    expect(daily.overdue).toBe(false);
    expect(Date.parse(daily.items[0]!.due_at) - Date.now()).toBeGreaterThan(23 * 3_600_000);
  });

  it('a manual item records the operator\'s confirmation and note; it cannot be "run", nor an automated one "completed"', async () => {
    const r = await c.post('/api/v1/maintenance/items/security_updates/complete', { note: 'apt: 0 security updates; npm audit clean', operator: 'alice' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ item_id: 'security_updates', kind: 'manual', result: 'ok', operator: 'alice', note: 'apt: 0 security updates; npm audit clean' });
    expect((await c.post('/api/v1/maintenance/items/security_updates/run')).status).toBe(409);
    expect((await c.post('/api/v1/maintenance/items/service_status/complete', { note: 'x' })).status).toBe(409);
    expect((await c.post('/api/v1/maintenance/items/no_such_item/run')).status).toBe(404);
    const unauth = await c.fetch('/api/v1/maintenance/items/service_status/run', { method: 'POST' });
    expect(unauth.status).toBe(401);
  });
});

describe('automated checks do the real check and fail when their condition is broken', () => {
  it('service status: every /health component and the last log lines; a down component fails it', async () => {
    const ok = await runItem('service_status');
    expect(ok.result).toBe('ok');
    expect((ok.details.components as Array<{ name: string }>).map((x) => x.name)).toEqual(expect.arrayContaining(['api', 'redis', 'disk', 'engine']));
    expect(Object.keys(ok.details.log_tails as object)).toContain('api');

    c.server.health.add({ name: 'diarizer', check: async () => ({ status: 'down', message: 'broken on purpose' }) });
    const bad = await runItem('service_status');
    expect(bad.result).toBe('fail');
    expect(bad.summary).toMatch(/diarizer \(broken on purpose\)/);
    (c.server.health as unknown as { checks: Array<{ name: string }> }).checks.pop();
  });

  it('resources against the KPI thresholds: memory over the limit fails', async () => {
    const ok = await runItem('resource_usage');
    expect(['ok', 'warn']).toContain(ok.result);
    expect(ok.details.memory).toMatchObject({ total_bytes: expect.any(Number) });
    const cfg = c.server.config.current;
    c.server.config.replace({ ...cfg, kpi: { ...cfg.kpi, memory_utilization: { max: 0.0001 } } });
    try {
      const bad = await runItem('resource_usage');
      expect(bad.result).toBe('fail');
      expect(bad.summary).toMatch(/FAIL memory .*% used \(limit 0%\)/);
    } finally {
      c.server.config.replace(cfg);
    }
  });

  it('error logs: an injected ERROR line fails the scan and is shown; the next scan starts after it', async () => {
    await runItem('error_logs'); // the baseline: whatever was logged at start
    appendFileSync(join(c.config.paths.logs, 'jobs.log'), `${JSON.stringify({ level: 50, time: new Date().toISOString(), component: 'jobs', msg: 'worker crashed: injected' })}\n`);
    const bad = await runItem('error_logs');
    expect(bad.result).toBe('fail');
    expect(bad.details.count).toBe(1);
    expect(bad.details.lines).toEqual([expect.objectContaining({ component: 'jobs', level: 'error', text: expect.stringContaining('worker crashed: injected') })]);
    const again = await runItem('error_logs');
    expect(again.result).toBe('ok');
  });

  it('alert status: warn without an alerts service; a firing high alert fails it', async () => {
    const none = await runItem('alert_status');
    expect(none.result).toBe('warn');
    expect(none.summary).toMatch(/not installed/);
    const alerts = { list: [] as Array<Record<string, string>>, current() { return { alerts: this.list }; } };
    c.provide('alerts', alerts);
    expect((await runItem('alert_status')).result).toBe('ok');
    alerts.list.push({ id: 'alert_1', rule_id: 'storage_insufficient', severity: 'high', state: 'firing' });
    const bad = await runItem('alert_status');
    expect(bad.result).toBe('fail');
    expect(bad.summary).toMatch(/1 high: storage_insufficient/);
    alerts.list[0]!.state = 'acknowledged';
    expect((await runItem('alert_status')).result).toBe('ok');
  });

  it('data integrity: checksums against the index; a corrupted file and a dangling entry fail it', async () => {
    const none = await runItem('data_integrity');
    expect(none.result).toBe('fail');
    expect(none.summary).toMatch(/index .* not available/);
    const index = new FolderIndex();
    c.provide('resultsIndex', index);
    const [json] = index.add(c.config.paths.results, 'job-1', { 'a.json': '{"text":"hello"}', 'a.srt': '1\n00:00:00,000 --> 00:00:01,000\nhello\n' });
    index.add(c.config.paths.results, 'job-2', { 'b.json': '{"text":"bye"}' });
    const ok = await runItem('data_integrity');
    expect(ok.result).toBe('ok');
    expect(ok.summary).toBe('All 3 file(s) of 2 result(s) match their checksums');

    writeFileSync(json!.path, '{"text":"hellO"}');
    rmSync(join(c.config.paths.results, 'job-2', 'b.json'));
    const bad = await runItem('data_integrity');
    expect(bad.result).toBe('fail');
    expect(bad.details.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ job_id: 'job-1', problem: 'checksum_mismatch' }), expect.objectContaining({ job_id: 'job-2', problem: 'missing' })]),
    );
    expect(bad.summary).toMatch(/1 file\(s\) do not match .* 1 dangling index entry/);
    index.entriesList = [];
    rmSync(join(c.config.paths.results, 'job-1'), { recursive: true });
  });

  it('benchmark without an engine is a fail that says why', async () => {
    const r = await runItem('performance_benchmark');
    expect(r.result).toBe('fail');
    expect(r.summary).toMatch(/inference engine is not available/);
  });

  it('configuration optimisation recommends one of the three profiles from GPU, cores and RAM, with the reason', async () => {
    const r = await runItem('configuration_optimisation');
    // This machine has no GPU: the CPU profile, which is the active one in config.yml.
    expect(r.details).toMatchObject({ recommended: 'cpu', active_profile: 'cpu', hardware: { gpu: null } });
    expect(r.result).toBe('ok');
    expect(r.summary).toMatch(/no GPU detected/);
    const cfg = c.server.config.current;
    c.server.config.replace({ ...cfg, active_profile: 'high_performance', profile: cfg.profiles.high_performance! });
    try {
      const w = await runItem('configuration_optimisation');
      expect(w.result).toBe('warn');
      expect(w.summary).toMatch(/Switch active_profile from "high_performance" to "cpu"/);
    } finally {
      c.server.config.replace(cfg);
    }
  });

  it('capacity planning: disk growth from samples → days until full; fast growth fails it', async () => {
    const first = await runItem('capacity_planning');
    expect(first.details).toMatchObject({ free_bytes: expect.any(Number) });
    // One day ago a third of today's free space was still free on top: full in about 3 days.
    const samples = await c.svc.history.samples<{ ts: number; used_bytes: number; free_bytes: number; total_bytes: number }>(DISK_SAMPLES);
    const now = samples.at(-1)!;
    await c.server.redis.client.del('wxc:maintenance:disk_samples');
    await c.svc.history.addSample(DISK_SAMPLES, { ...now, ts: Date.now() - 86_400_000, used_bytes: now.used_bytes - now.free_bytes / 3 }, 100);
    const bad = await runItem('capacity_planning_review');
    expect(bad.result).toBe('fail');
    expect(bad.details.days_until_full as number).toBeGreaterThan(2);
    expect(bad.details.days_until_full as number).toBeLessThan(4);
    expect(bad.summary).toMatch(/full in [\d.]+ days/);
  });

  it('clean log files: deletes logs older than 30 days as the weekly item', async () => {
    const old = join(c.config.paths.logs, 'legacy.log');
    writeFileSync(old, 'from last year\n');
    const { utimesSync, existsSync } = await import('node:fs');
    const t = (Date.now() - 40 * 86_400_000) / 1000;
    utimesSync(old, t, t);
    const r = await runItem('clean_log_files');
    expect(r.result).toBe('ok');
    expect(existsSync(old)).toBe(false);
    expect(r.summary).toMatch(/Deleted 1 log file\(s\) older than 30 days/);
  });

  it('disaster-recovery drill: snapshot Redis and results, restore into a temp dir, verify keys and checksums', async () => {
    const redis = c.server.redis.client;
    for (let i = 0; i < 25; i++) await redis.set(`drill:key:${i}`, `v${i}`);
    const index = new FolderIndex();
    c.provide('resultsIndex', index);
    index.add(c.config.paths.results, 'job-dr', { 'x.json': '{"text":"kept"}' });
    const r = await runItem('disaster_recovery_drill');
    expect(r.result, r.summary).toBe('ok');
    const steps = r.details.steps as Array<{ step: string; text: string }>;
    expect(steps.map((s) => s.step)).toEqual(['snapshot redis', 'snapshot results', 'restore redis (RDB)', 'restore redis (AOF)', 'restore results', 'verify against the results index']);
    const keys = await redis.dbsize();
    expect(steps[2]!.text).toMatch(new RegExp(`loaded ${keys} key`));
    const { existsSync, readdirSync } = await import('node:fs');
    expect(existsSync(join(c.config.paths.data_dir, 'dr-drills')) ? readdirSync(join(c.config.paths.data_dir, 'dr-drills')) : []).toEqual([]);

    // Broken on purpose: an indexed file the backup cannot contain.
    index.entriesList.push({ jobId: 'job-ghost', files: [{ path: join(c.config.paths.results, 'job-ghost', 'y.json'), sha256: 'ab'.repeat(32) }] });
    const bad = await runItem('disaster_recovery_drill');
    expect(bad.result).toBe('fail');
    expect(bad.summary).toMatch(/verify against the results index: 1 indexed file\(s\) missing or corrupt/);
    index.entriesList.pop();
  });

  it('backup status: AOF present and healthy; a missing AOF fails it', async () => {
    const ok = await runItem('backup_status');
    expect(ok.result, ok.summary).toBe('ok');
    expect(ok.summary).toMatch(/AOF present/);
    rmSync(join(c.config.paths.data_dir, 'redis', 'appendonlydir'), { recursive: true, force: true });
    const bad = await runItem('backup_status');
    expect(bad.result).toBe('fail');
    expect(bad.summary).toMatch(/AOF is on \(redis.managed.appendonly\) but there is no AOF/);
  });
});

describe('runs are recorded and pushed on the live feed', () => {
  it('running the daily checklist runs its five items in order and records each with operator and time', async () => {
    const events: string[] = [];
    const off = c.server.bus.subscribe((e) => e.type === 'maintenance.run' && events.push((e.data as MaintenanceRun).item_id));
    const r = await c.post('/api/v1/maintenance/checklists/daily/run', { operator: 'bob' });
    off();
    expect(r.status).toBe(200);
    expect(r.json.runs.map((x: MaintenanceRun) => x.item_id)).toEqual(['service_status', 'resource_usage', 'error_logs', 'alert_status', 'backup_status']);
    expect(events).toEqual(['service_status', 'resource_usage', 'error_logs', 'alert_status', 'backup_status']);
    expect(r.json.runs.every((x: MaintenanceRun) => x.operator === 'bob' && x.trigger === 'checklist')).toBe(true);
    const h = (await (await c.fetch('/api/v1/maintenance/history?period=daily&limit=5')).json()) as { runs: MaintenanceRun[] };
    expect(h.runs.map((x: MaintenanceRun) => x.item_id)).toEqual(['backup_status', 'alert_status', 'error_logs', 'resource_usage', 'service_status']);
    const weekly = await c.post('/api/v1/maintenance/checklists/weekly/run', {});
    expect(weekly.json.manual_pending).toEqual([]); // security_updates was confirmed above
    expect(weekly.json.runs.map((x: MaintenanceRun) => x.item_id)).toEqual(['performance_benchmark', 'clean_log_files', 'data_integrity', 'configuration_optimisation']);
  });
});
