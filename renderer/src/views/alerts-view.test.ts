import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../../main/contract';
import { actionsFor, applyAlertTransition, filterAlerts, groupBySeverity, unacknowledgedCount } from './alerts-view';

const now = Date.parse('2026-01-01T12:00:00Z');
const alert = (id: string, over: Partial<AlertRecord> = {}): AlertRecord => ({
  id,
  rule_id: 'storage_insufficient',
  severity: 'high',
  state: 'firing',
  labels: { path: 'results' },
  title: { en: 'Data storage space insufficient', zh: '数据存储空间不足' },
  message: { en: 'results has 1 GiB free', zh: 'results 剩余空间 1 GiB' },
  value: 1,
  threshold: 2,
  started_at: '2026-01-01T11:00:00Z',
  fired_at: '2026-01-01T11:00:10Z',
  acknowledged_at: null,
  acknowledged_by: null,
  resolved_at: null,
  resolved_by: null,
  updated_at: '2026-01-01T11:00:10Z',
  silenced_until: null,
  note: null,
  runbook: '5.3 File system',
  action: 'clean_temp',
  ...over,
});

describe('alerts panel data', () => {
  it('groups open alerts high → medium → low, newest first', () => {
    const g = groupBySeverity([
      alert('a', { severity: 'low' }),
      alert('b', { severity: 'high', fired_at: '2026-01-01T10:00:00Z' }),
      alert('c', { severity: 'high', fired_at: '2026-01-01T11:30:00Z' }),
    ]);
    expect(g.map((x) => [x.severity, x.alerts.map((a) => a.id)])).toEqual([
      ['high', ['c', 'b']],
      ['low', ['a']],
    ]);
  });

  it('counts firing alerts not yet acknowledged', () => {
    expect(unacknowledgedCount([alert('a'), alert('b', { state: 'acknowledged' }), alert('c', { state: 'pending' })])).toBe(1);
  });

  it('offers acknowledge / resolve / silence as the state allows', () => {
    expect(actionsFor(alert('a'), now)).toEqual(['acknowledge', 'resolve', 'silence']);
    expect(actionsFor(alert('a', { state: 'acknowledged' }), now)).toEqual(['resolve', 'silence']);
    expect(actionsFor(alert('a', { silenced_until: '2026-01-01T13:00:00Z' }), now)).toEqual(['acknowledge', 'resolve']);
    expect(actionsFor(alert('a', { state: 'resolved' }), now)).toEqual([]);
  });

  it('filters history by severity, state and text in the shown language', () => {
    const list = [alert('a', { state: 'resolved' }), alert('b', { severity: 'medium', rule_id: 'api_slow', state: 'acknowledged', title: { en: 'API slow', zh: 'API 慢' } })];
    const text = (a: AlertRecord) => a.title.zh;
    expect(filterAlerts(list, { severity: 'medium', state: 'all', text: '' }, text).map((a) => a.id)).toEqual(['b']);
    expect(filterAlerts(list, { severity: 'all', state: 'resolved', text: '' }, text).map((a) => a.id)).toEqual(['a']);
    expect(filterAlerts(list, { severity: 'all', state: 'all', text: '存储' }, text).map((a) => a.id)).toEqual(['a']);
  });

  it('applies live transitions: a resolved alert leaves the current list', () => {
    const cur = [alert('a'), alert('b')];
    expect(applyAlertTransition(cur, alert('a', { state: 'acknowledged' })).find((a) => a.id === 'a')!.state).toBe('acknowledged');
    expect(applyAlertTransition(cur, alert('a', { state: 'resolved' })).map((a) => a.id)).toEqual(['b']);
  });
});
