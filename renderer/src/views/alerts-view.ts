import type { AlertRecord, AlertSeverity, AlertState } from '../../../main/contract';
import type { Tone } from '../health-view';

export type AlertAction = 'acknowledge' | 'resolve' | 'silence';

export const severities: AlertSeverity[] = ['high', 'medium', 'low'];
export const alertStates: AlertState[] = ['pending', 'firing', 'acknowledged', 'resolved'];

export const severityTone: Record<AlertSeverity, Tone> = { high: 'alert', medium: 'warn', low: 'unknown' };

function time(a: AlertRecord): number {
  return Date.parse(a.resolved_at ?? a.acknowledged_at ?? a.fired_at ?? a.started_at) || 0;
}

/** Open alerts by severity (high first), newest first inside each. */
export function groupBySeverity(alerts: AlertRecord[]): { severity: AlertSeverity; alerts: AlertRecord[] }[] {
  return severities
    .map((severity) => ({ severity, alerts: alerts.filter((a) => a.severity === severity).sort((a, b) => time(b) - time(a)) }))
    .filter((g) => g.alerts.length > 0);
}

/** The header's count: alerts firing and not yet acknowledged. */
export function unacknowledgedCount(alerts: AlertRecord[]): number {
  return alerts.filter((a) => a.state === 'firing').length;
}

export function isSilenced(a: AlertRecord, now: number): boolean {
  return a.silenced_until != null && Date.parse(a.silenced_until) > now;
}

/** What an operator can still do with an alert. */
export function actionsFor(a: AlertRecord, now: number): AlertAction[] {
  if (a.state === 'resolved') return [];
  const silence: AlertAction[] = isSilenced(a, now) ? [] : ['silence'];
  if (a.state === 'acknowledged') return ['resolve', ...silence];
  return ['acknowledge', 'resolve', ...silence];
}

export interface HistoryFilter {
  severity: AlertSeverity | 'all';
  state: AlertState | 'all';
  /** Substring of rule id, title or message. */
  text: string;
}

export function filterAlerts(alerts: AlertRecord[], f: HistoryFilter, textOf: (a: AlertRecord) => string): AlertRecord[] {
  const q = f.text.trim().toLowerCase();
  return alerts
    .filter((a) => (f.severity === 'all' || a.severity === f.severity) && (f.state === 'all' || a.state === f.state))
    .filter((a) => !q || a.rule_id.toLowerCase().includes(q) || textOf(a).toLowerCase().includes(q))
    .sort((a, b) => time(b) - time(a));
}

/** A live transition: open alerts replace by id; resolved ones leave the current list. */
export function applyAlertTransition(current: AlertRecord[], alert: AlertRecord): AlertRecord[] {
  const rest = current.filter((a) => a.id !== alert.id);
  return alert.state === 'resolved' ? rest : [alert, ...rest];
}
