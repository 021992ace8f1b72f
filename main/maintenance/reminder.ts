import type { MaintenanceOverdueEvent } from '../contract/maintenance';
import { maintenancePeriods } from '../core/config/sections/maintenance';
import { describeError } from '../core/errors';
import type { ChecklistRunner } from './runner';
import type { MaintenanceDeps } from './types';

const REMINDED = 'reminded';

/**
 * An overdue checklist raises the low-priority "maintenance reminder": the event goes on
 * the live feed when a checklist becomes (or stops being) overdue, and the alerts service,
 * when installed, is told the current state at every check (it deduplicates by checklist).
 */
export class MaintenanceReminder {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: MaintenanceDeps,
    private readonly runner: ChecklistRunner,
    private readonly emit: (e: MaintenanceOverdueEvent) => void,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.check().catch((e: unknown) => this.deps.logger.warn({ err: describeError(e) }, 'maintenance reminder check failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns the events emitted (state changes since the last pass). */
  async check(): Promise<MaintenanceOverdueEvent[]> {
    const overdue = new Map((await this.runner.overdue()).map((o) => [o.period, o]));
    const reminded = (await this.deps.history.getState<Record<string, string>>(REMINDED)) ?? {};
    const events: MaintenanceOverdueEvent[] = [];
    const alerts = this.deps.ports.alerts();
    for (const period of maintenancePeriods) {
      const o = overdue.get(period);
      const titles = o ? o.overdue_items : [];
      const detail = o ? `${titles.length} item(s) overdue since ${o.due_at}: ${titles.join(', ')}` : 'up to date';
      const event: MaintenanceOverdueEvent = { checklist: period, due_at: o?.due_at ?? new Date(this.deps.now()).toISOString(), overdue_items: titles, detail, overdue: !!o };
      const changed = o ? reminded[period] !== o.due_at : reminded[period] !== undefined;
      if (changed) {
        if (o) reminded[period] = o.due_at;
        else delete reminded[period];
        events.push(event);
        this.emit(event);
      }
      if (alerts?.maintenanceOverdue && (o || changed)) {
        try {
          await alerts.maintenanceOverdue({ checklist: period, overdue: !!o, detail, due_at: event.due_at, overdue_items: titles });
        } catch (e) {
          this.deps.logger.warn({ period, err: describeError(e) }, 'could not raise the maintenance reminder alert');
        }
      }
    }
    await this.deps.history.setState(REMINDED, reminded);
    return events;
  }
}
