import { describe, expect, it } from 'vitest';
import type { ChecklistItemView, ChecklistView, MaintenanceRun } from '../../../main/contract';
import { checklistDue, detailLines, dueState } from './maintenance-view';

const now = Date.parse('2026-01-02T12:00:00Z');
const run: MaintenanceRun = {
  id: 'r1',
  item_id: 'service_status',
  period: 'daily',
  kind: 'automated',
  check: 'service_status',
  result: 'ok',
  summary: 'all components up',
  details: { components: 4 },
  operator: 'operator',
  note: null,
  trigger: 'item',
  started_at: '2026-01-02T10:00:00Z',
  finished_at: '2026-01-02T10:00:01Z',
  duration_ms: 1000,
};
const item = (over: Partial<ChecklistItemView> = {}): ChecklistItemView => ({
  id: 'service_status',
  period: 'daily',
  title: { en: 'Check service status', zh: '检查服务状态' },
  kind: 'automated',
  check: 'service_status',
  instructions: null,
  manual_ref: null,
  last_run: run,
  due_at: '2026-01-03T10:00:01Z',
  overdue: false,
  ...over,
});

describe('maintenance data', () => {
  it('tells never run, up to date, due and overdue apart', () => {
    expect(dueState(item({ last_run: null }), now)).toBe('never');
    expect(dueState(item(), now)).toBe('ok');
    expect(dueState(item({ due_at: '2026-01-02T11:00:00Z' }), now)).toBe('due');
    expect(dueState(item({ overdue: true }), now)).toBe('overdue');
  });

  it('gives a checklist the worst state of its items', () => {
    const list = (items: ChecklistItemView[], overdue = false): ChecklistView => ({ period: 'daily', interval_h: 24, grace_h: 2, items, due_at: null, overdue, overdue_items: [] });
    expect(checklistDue(list([item(), item({ id: 'x', last_run: null })]), now)).toBe('never');
    expect(checklistDue(list([item()]), now)).toBe('ok');
    expect(checklistDue(list([item()], true), now)).toBe('overdue');
  });

  it('prints run details as lines', () => {
    expect(detailLines({ a: 'x', b: { c: 1 } })).toEqual(['a: x', 'b: {"c":1}']);
  });
});
