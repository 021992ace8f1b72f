import { randomUUID } from 'node:crypto';
import type { ChecklistItemView, ChecklistRunResult, ChecklistView, CheckResult, MaintenanceRun } from '../contract/maintenance';
import { maintenancePeriods, type ChecklistItemConfig, type MaintenancePeriod } from '../core/config/sections/maintenance';
import { ConsoleError, describeError } from '../core/errors';
import { checks } from './checks';
import { worst, type CheckOutcome, type MaintenanceDeps } from './types';

export interface PlannedItem extends ChecklistItemConfig {
  period: MaintenancePeriod;
}

export interface OverdueChecklist {
  period: MaintenancePeriod;
  due_at: string;
  overdue_items: string[];
}

/** Runs checklist items, records each run, and knows what is due (the manual's §6 plan). */
export class ChecklistRunner {
  private readonly inFlight = new Map<string, Promise<MaintenanceRun>>();

  constructor(
    private readonly deps: MaintenanceDeps,
    private readonly onRun: (run: MaintenanceRun) => void = () => undefined,
  ) {}

  items(): PlannedItem[] {
    const lists = this.deps.config().maintenance.checklists;
    return maintenancePeriods.flatMap((period) => lists[period].map((item) => ({ ...item, period })));
  }

  item(id: string): PlannedItem {
    const item = this.items().find((i) => i.id === id);
    if (!item) {
      throw new ConsoleError('maintenance_item_unknown', `There is no checklist item "${id}"`, {
        status: 404,
        hint: `Items: ${this.items().map((i) => i.id).join(', ')} (maintenance.checklists in config.yml).`,
      });
    }
    return item;
  }

  /** Runs one automated item (409 for a manual item or one already running). */
  runItem(id: string, operator: string, trigger: MaintenanceRun['trigger'] = 'item'): Promise<MaintenanceRun> {
    const item = this.item(id);
    if (!item.check) {
      throw new ConsoleError('maintenance_item_manual', `"${id}" is a manual item: an operator checks it and confirms with a note`, {
        status: 409,
        hint: `POST /api/v1/maintenance/items/${id}/complete with {"note": "what you found"}.`,
      });
    }
    if (this.inFlight.has(id)) {
      throw new ConsoleError('maintenance_item_running', `"${id}" is already running`, { status: 409, hint: 'Wait for the running check to finish; its result appears in the history.' });
    }
    const p = this.execute(item, operator, trigger).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, p);
    return p;
  }

  private async execute(item: PlannedItem, operator: string, trigger: MaintenanceRun['trigger']): Promise<MaintenanceRun> {
    const check = checks[item.check!];
    const started = this.deps.now();
    const t0 = performance.now();
    const previous = (await this.deps.history.lastRun(item.id)) ?? (await this.deps.history.lastRunOfCheck(item.check!));
    let outcome: CheckOutcome;
    try {
      outcome = await check(this.deps, { itemId: item.id, previousRunAt: previous ? Date.parse(previous.finished_at) : null });
    } catch (e) {
      // A check that cannot run has found something: it is recorded as a failure with the reason.
      outcome = { result: 'fail', summary: `The check could not run: ${describeError(e)}`, details: { error: describeError(e) } };
      this.deps.logger.warn({ item: item.id, err: describeError(e) }, 'maintenance check failed to run');
    }
    const run: MaintenanceRun = {
      id: randomUUID(),
      item_id: item.id,
      period: item.period,
      kind: 'automated',
      check: item.check!,
      result: outcome.result,
      summary: outcome.summary,
      details: outcome.details,
      operator,
      note: null,
      trigger,
      started_at: new Date(started).toISOString(),
      finished_at: new Date(this.deps.now()).toISOString(),
      duration_ms: Math.round(performance.now() - t0),
    };
    await this.record(run);
    return run;
  }

  /** Every automated item of a period in order (one after the other: the drill and benchmark are heavy). */
  async runChecklist(period: MaintenancePeriod, operator: string): Promise<ChecklistRunResult> {
    const items = this.items().filter((i) => i.period === period);
    const runs: MaintenanceRun[] = [];
    for (const item of items) if (item.check) runs.push(await this.runItem(item.id, operator, 'checklist'));
    const manual = items.filter((i) => !i.check).map((i) => i.id);
    const last = await this.deps.history.lastRuns();
    const periodStart = this.deps.now() - this.deps.config().maintenance.periods[period].interval_h * 3_600_000;
    return {
      period,
      result: worst(runs.map((r) => r.result)),
      runs,
      manual_pending: manual.filter((id) => {
        const r = last.get(id);
        return !r || Date.parse(r.finished_at) < periodStart;
      }),
    };
  }

  /** An operator's confirmation of a manual item. */
  async complete(id: string, note: string, result: CheckResult, operator: string): Promise<MaintenanceRun> {
    const item = this.item(id);
    if (item.check) {
      throw new ConsoleError('maintenance_item_automated', `"${id}" is automated: run it instead of confirming it`, { status: 409, hint: `POST /api/v1/maintenance/items/${id}/run` });
    }
    const at = new Date(this.deps.now()).toISOString();
    const run: MaintenanceRun = {
      id: randomUUID(),
      item_id: id,
      period: item.period,
      kind: 'manual',
      check: null,
      result,
      summary: `Confirmed by ${operator}: ${note}`,
      details: { instructions: item.instructions ?? null },
      operator,
      note,
      trigger: 'manual',
      started_at: at,
      finished_at: at,
      duration_ms: 0,
    };
    await this.record(run);
    return run;
  }

  private async record(run: MaintenanceRun): Promise<void> {
    await this.deps.history.record(run);
    this.onRun(run);
  }

  async view(): Promise<ChecklistView[]> {
    const cfg = this.deps.config().maintenance;
    const now = this.deps.now();
    const installed = await this.deps.history.installedAt(now);
    const last = await this.deps.history.lastRuns();
    return maintenancePeriods.map((period) => {
      const p = cfg.periods[period];
      const items: ChecklistItemView[] = cfg.checklists[period].map((item) => {
        const run = last.get(item.id) ?? null;
        const due = (run ? Date.parse(run.finished_at) : installed) + p.interval_h * 3_600_000;
        return {
          id: item.id,
          period,
          title: item.title,
          kind: item.check ? 'automated' : 'manual',
          check: item.check ?? null,
          instructions: item.instructions ?? null,
          manual_ref: item.manual_ref ?? null,
          last_run: run,
          due_at: new Date(due).toISOString(),
          overdue: now > due + p.grace_h * 3_600_000,
        };
      });
      const dues = items.map((i) => Date.parse(i.due_at));
      return {
        period,
        interval_h: p.interval_h,
        grace_h: p.grace_h,
        items,
        due_at: dues.length ? new Date(Math.min(...dues)).toISOString() : null,
        overdue: items.some((i) => i.overdue),
        overdue_items: items.filter((i) => i.overdue).map((i) => i.id),
      };
    });
  }

  async overdue(): Promise<OverdueChecklist[]> {
    return (await this.view()).filter((c) => c.overdue).map((c) => ({ period: c.period, due_at: c.due_at!, overdue_items: c.overdue_items }));
  }
}
