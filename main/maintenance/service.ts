import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ConfigStore } from '../core/config/store';
import type { EventBus } from '../core/events';
import type { Logger, LoggerFactory } from '../core/logger';
import { LogReader } from '../logs/reader';
import { LogRotator } from '../logs/rotation';
import type { IRedisService } from '../redis/service';
import { EmergencyActions } from './actions';
import { AuditLog } from './audit';
import { sampleDisk } from './checks/advice';
import { RunHistory } from './history';
import type { Ports } from './ports';
import { MaintenanceReminder } from './reminder';
import { ChecklistRunner } from './runner';
import type { MaintenanceDeps } from './types';
import { describeError } from '../core/errors';

export interface MaintenanceServiceOptions {
  config: ConfigStore;
  redis: IRedisService;
  health: MaintenanceDeps['health'];
  logs: Pick<LoggerFactory, 'for' | 'dir' | 'logFiles' | 'reopen'>;
  bus: Pick<EventBus, 'emit'>;
  ports: Ports;
  /** Injected clock (tests of due dates and reminders). */
  now?: () => number;
  logger: Logger;
}

/** Checklists, emergency actions, audit log and log housekeeping, wired together. */
export class MaintenanceService {
  readonly deps: MaintenanceDeps;
  readonly runner: ChecklistRunner;
  readonly actions: EmergencyActions;
  readonly reminder: MaintenanceReminder;
  readonly audit: AuditLog;
  readonly history: RunHistory;
  readonly logs: LogReader;
  readonly rotator: LogRotator;
  private readonly store: Redis;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: MaintenanceServiceOptions) {
    const cfg = () => opts.config.current;
    const logsDir = () => opts.logs.dir ?? cfg().paths.logs;
    this.store = opts.redis.createClient();
    this.history = new RunHistory({ redis: this.store, max: () => cfg().maintenance.history_max });
    this.audit = new AuditLog({
      redis: this.store,
      max: () => cfg().maintenance.audit_max,
      fileLogger: opts.logs.for('audit'),
      file: () => join(logsDir(), 'audit.log'),
      onEntry: (e) => opts.bus.emit('audit.entry', e),
    });
    this.logs = new LogReader(logsDir);
    this.rotator = new LogRotator({ dir: logsDir(), owned: () => opts.logs.logFiles().keys(), reopen: (c) => opts.logs.reopen(c), ...(opts.now ? { now: opts.now } : {}) });
    this.deps = {
      config: cfg,
      redis: opts.redis,
      store: this.store,
      health: opts.health,
      logs: this.logs,
      rotator: this.rotator,
      history: this.history,
      audit: this.audit,
      ports: opts.ports,
      now: opts.now ?? Date.now,
      logger: opts.logger,
    };
    this.runner = new ChecklistRunner(this.deps, (run) => opts.bus.emit('maintenance.run', run));
    this.actions = new EmergencyActions(this.deps);
    this.reminder = new MaintenanceReminder(this.deps, this.runner, (e) => opts.bus.emit('maintenance.overdue', e));
  }

  /** Timers: reminder, size-based log rotation, disk samples for capacity planning. */
  async start(): Promise<void> {
    const m = this.opts.config.current.maintenance;
    await this.history.installedAt(this.deps.now());
    const every = (ms: number, what: string, fn: () => unknown) => {
      const t = setInterval(() => {
        Promise.resolve()
          .then(fn)
          .catch((e: unknown) => this.opts.logger.warn({ err: describeError(e) }, `${what} failed`));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    this.reminder.start(m.reminder_check_interval_s * 1000);
    if (m.logs.rotate_check_interval_s > 0) {
      every(m.logs.rotate_check_interval_s * 1000, 'log rotation', () => this.rotator.rotate({ maxBytes: this.opts.config.current.maintenance.logs.rotate_max_mb * 1024 * 1024 }));
    }
    every(m.capacity.sample_interval_m * 60_000, 'disk sample', () => sampleDisk(this.deps));
    void this.reminder.check().catch((e: unknown) => this.opts.logger.warn({ err: describeError(e) }, 'maintenance reminder check failed'));
    void sampleDisk(this.deps).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.reminder.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.store.quit().catch(() => this.store.disconnect());
  }
}
