import type { ChecklistItemView, ChecklistView, CheckResult } from '../../../main/contract';
import type { Tone } from '../health-view';

export type DueState = 'never' | 'ok' | 'due' | 'overdue';

/** Never run, up to date, due (past due_at) or overdue (past the grace too: the server says). */
export function dueState(item: ChecklistItemView, now: number): DueState {
  if (item.overdue) return 'overdue';
  if (!item.last_run) return 'never';
  return Date.parse(item.due_at) <= now ? 'due' : 'ok';
}

export const dueTone: Record<DueState, Tone> = { never: 'warn', ok: 'ok', due: 'warn', overdue: 'alert' };
export const resultTone: Record<CheckResult, Tone> = { ok: 'ok', warn: 'warn', fail: 'alert' };

/** The checklist's own badge: the worst of its items. */
export function checklistDue(list: ChecklistView, now: number): DueState {
  if (list.overdue) return 'overdue';
  const order: DueState[] = ['overdue', 'never', 'due', 'ok'];
  let worst: DueState = 'ok';
  for (const item of list.items) {
    const s = dueState(item, now);
    if (order.indexOf(s) < order.indexOf(worst)) worst = s;
  }
  return worst;
}

/** A run's details as short "key: value" lines (nested values as JSON). */
export function detailLines(details: Record<string, unknown>): string[] {
  return Object.entries(details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
}
