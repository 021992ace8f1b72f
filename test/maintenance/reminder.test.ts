import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaintenanceOverdueEvent } from '../../main/contract/maintenance';
import { loadConfig } from '../../main/core/config/loader';
import { ConfigStore } from '../../main/core/config/store';
import { EventBus } from '../../main/core/events';
import { LoggerFactory, silentLogger } from '../../main/core/logger';
import { ServiceRegistry } from '../../main/core/module';
import { createAlertsModule } from '../../main/alerts/module';
import { createMonitoringModule } from '../../main/monitoring/module';
import { portsFrom } from '../../main/maintenance/ports';
import { MaintenanceService } from '../../main/maintenance/service';
import { RedisService } from '../../main/redis/service';
import { writeTestConfig } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { startMaintenanceConsole } from './console';

const H = 3_600_000;

describe('due dates and the maintenance reminder (injected clock)', () => {
  let redis: TestRedis;
  let rs: RedisService;
  let svc: MaintenanceService;
  let dir: string;
  let clock = Date.parse('2026-03-02T08:00:00Z');
  const t0 = clock;
  const events: MaintenanceOverdueEvent[] = [];
  const fed: Array<{ checklist: string; overdue: boolean }> = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    const { dir: d, file } = writeTestConfig({ 'redis.url': redis.url });
    dir = d;
    const config = loadConfig(file);
    rs = await RedisService.start({ url: redis.url, managed: { binary: 'redis-server', port: 0, dir, appendonly: true, restartOnExit: false, restartBackoffMs: 100 }, pingTimeoutMs: 500, logger: silentLogger });
    const registry = new ServiceRegistry();
    (registry.provide as unknown as (n: string, s: unknown) => void)('alerts', { maintenanceOverdue: (i: { checklist: string; overdue: boolean }) => fed.push({ checklist: i.checklist, overdue: i.overdue }) });
    const bus = new EventBus();
    bus.subscribe((e) => e.type === 'maintenance.overdue' && events.push(e.data as MaintenanceOverdueEvent));
    svc = new MaintenanceService({
      config: new ConfigStore(config),
      redis: rs,
      health: { report: async () => ({ status: 'healthy', timestamp: '', version: '', uptime_s: 0, failing: [], components: {} }) },
      logs: new LoggerFactory({ dir: join(dir, 'logs') }),
      bus,
      ports: portsFrom(registry),
      now: () => clock,
      logger: silentLogger,
    });
    await svc.history.installedAt(t0);
  });
  afterAll(async () => {
    await svc?.close();
    await rs?.close();
    await redis?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const overdueOf = async () => Object.fromEntries((await svc.runner.view()).map((l) => [l.period, l.overdue]));

  it('nothing is overdue within a period and its grace time', async () => {
    clock = t0 + 25 * H; // daily: due at 24 h, 2 h grace
    expect(await overdueOf()).toEqual({ daily: false, weekly: false, monthly: false, quarterly: false });
    expect(await svc.reminder.check()).toEqual([]);
    expect(fed).toEqual([]);
  });

  it('past due + grace the checklist is overdue: one event, and the reminder alert is raised', async () => {
    clock = t0 + 26 * H + 60_000;
    const view = (await svc.runner.view()).find((l) => l.period === 'daily')!;
    expect(view).toMatchObject({ overdue: true, overdue_items: ['service_status', 'resource_usage', 'error_logs', 'alert_status', 'backup_status'], due_at: new Date(t0 + 24 * H).toISOString() });
    const emitted = await svc.reminder.check();
    expect(emitted).toEqual([expect.objectContaining({ checklist: 'daily', overdue: true, detail: expect.stringMatching(/5 item\(s\) overdue since/) })]);
    expect(events.map((e) => [e.checklist, e.overdue])).toEqual([['daily', true]]);
    expect(fed).toEqual([{ checklist: 'daily', overdue: true }]);
    // Still overdue: no second event (the alert service is told the state again; it deduplicates).
    expect(await svc.reminder.check()).toEqual([]);
    expect(events).toHaveLength(1);
  });

  it('doing the items clears it: the event says so and the alert resolves', async () => {
    for (const id of ['service_status', 'resource_usage', 'error_logs', 'alert_status', 'backup_status']) await svc.runner.runItem(id, 'dave');
    const emitted = await svc.reminder.check();
    expect(emitted).toEqual([expect.objectContaining({ checklist: 'daily', overdue: false })]);
    expect(fed.at(-1)).toEqual({ checklist: 'daily', overdue: false });
    const daily = (await svc.runner.view()).find((l) => l.period === 'daily')!;
    expect(daily.items[0]!.due_at).toBe(new Date(clock + 24 * H).toISOString());
  });

  it('a manual item done by hand moves its own due date; the others of the week stay overdue', async () => {
    clock = t0 + (168 + 24) * H + 60_000;
    await svc.runner.complete('security_updates', 'nothing pending', 'ok', 'erin');
    const weekly = (await svc.runner.view()).find((l) => l.period === 'weekly')!;
    expect(weekly.overdue_items).toEqual(['performance_benchmark', 'clean_log_files', 'data_integrity', 'configuration_optimisation']);
    const emitted = await svc.reminder.check();
    expect(emitted.map((e) => [e.checklist, e.overdue])).toEqual([['daily', true], ['weekly', true]]);
  });
});

describe('the reminder through the real alerts wing', () => {
  it('an overdue checklist opens the low-priority "maintenance reminder" alert', async () => {
    const c = await startMaintenanceConsole({}, [createMonitoringModule, createAlertsModule]);
    try {
      // As if the console had been installed 30 days ago and nothing was done since.
      await c.server.redis.client.hset('wxc:maintenance:state', 'installed_at', JSON.stringify(Date.now() - 30 * 24 * H));
      // The module's own timer may have run the check already; either way the alerts must open.
      await c.svc.reminder.check();
      await expect
        .poll(async () => {
          const body = (await (await c.fetch('/api/v1/monitoring/alerts')).json()) as { alerts: Array<{ rule_id: string; severity: string; labels: Record<string, string>; state: string }> };
          return body.alerts.filter((a) => a.rule_id === 'maintenance_reminder').map((a) => [a.labels.checklist, a.severity, a.state]).sort();
        }, { timeout: 15_000 })
        .toEqual([['daily', 'low', 'firing'], ['weekly', 'low', 'firing']]);
    } finally {
      await c.cleanup();
    }
  });
});
