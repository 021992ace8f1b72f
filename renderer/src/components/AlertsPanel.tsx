import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AlertRecord, AlertSeverity, AlertState } from '../../../main/contract';
import type { Language } from '../i18n/languages';
import { actionsFor, alertStates, filterAlerts, groupBySeverity, isSilenced, severities, severityTone, type AlertAction, type HistoryFilter } from '../views/alerts-view';
import { hashFor } from '../views/nav';
import { formatDateTime, pickText } from '../views/format';
import { StateText } from './Panel';

export interface AlertListProps {
  alerts: AlertRecord[];
  lang: Language;
  canAct: boolean;
  onAction: (id: string, action: AlertAction) => Promise<unknown>;
  compact?: boolean;
  now: number;
  /** The emergency action's title for an alert's action id. */
  actionTitle?: (id: string) => string;
}

function AlertItem({ a, lang, canAct, onAction, compact, now, actionTitle }: { a: AlertRecord } & Omit<AlertListProps, 'alerts'>) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const act = (action: AlertAction) => {
    setBusy(true);
    setResult(null);
    onAction(a.id, action)
      .then(() => setResult(t(`alerts.done_${action}`)))
      .catch((e: unknown) => setResult(t('panel.error', { message: e instanceof Error ? e.message : String(e) })))
      .finally(() => setBusy(false));
  };
  return (
    <li className={`alert-item sev-${a.severity}`} data-testid={`alert-${a.rule_id}`} data-alert-id={a.id} data-state={a.state}>
      <div className="alert-line">
        <StateText tone={severityTone[a.severity]}>{t(`alerts.severity_${a.severity}`)}</StateText>
        <strong>{pickText(a.title, lang) || a.rule_id}</strong>
        <span className="muted">{t(`alerts.state_${a.state}`)}</span>
        {isSilenced(a, now) && <span className="muted">{t('alerts.silenced_until', { time: formatDateTime(a.silenced_until, lang) })}</span>}
        {!compact && <span className="muted">{t('alerts.since', { time: formatDateTime(a.fired_at ?? a.started_at, lang) })}</span>}
      </div>
      <div className="alert-message">{pickText(a.message, lang)}</div>
      <div className="alert-links">
        {a.runbook && <span className="muted">{t('alerts.runbook', { step: a.runbook })}</span>}
        {a.action && (
          <a href={`${hashFor('emergency')}?action=${a.action}`} className="link">
            {t('alerts.action', { action: actionTitle?.(a.action) ?? a.action })}
          </a>
        )}
        {actionsFor(a, now).map((action) => (
          <button key={action} type="button" disabled={!canAct || busy} onClick={() => act(action)} data-testid={`alert-${action}`}>
            {t(`alerts.${action}`)}
          </button>
        ))}
        {result && <span role="status">{result}</span>}
      </div>
    </li>
  );
}

/** Open alerts, grouped by severity, each with acknowledge / resolve / silence. */
export function AlertList(props: AlertListProps) {
  const { t } = useTranslation();
  const groups = groupBySeverity(props.alerts.filter((a) => a.state !== 'resolved'));
  if (groups.length === 0) return <p className="muted" data-state="empty">{t('alerts.none')}</p>;
  return (
    <ul className="alerts" data-testid="alerts-current">
      {groups.flatMap((g) => g.alerts.map((a) => <AlertItem key={a.id} a={a} {...props} />))}
    </ul>
  );
}

/** Resolved and acknowledged alerts with filters. */
export function AlertHistory({ alerts, lang }: { alerts: AlertRecord[]; lang: Language }) {
  const { t } = useTranslation();
  const [f, setF] = useState<HistoryFilter>({ severity: 'all', state: 'all', text: '' });
  const rows = filterAlerts(alerts, f, (a) => `${pickText(a.title, lang)} ${pickText(a.message, lang)}`);
  return (
    <div data-testid="alerts-history">
      <div className="filters">
        <label>
          {t('alerts.filter_severity')}{' '}
          <select value={f.severity} onChange={(e) => setF({ ...f, severity: e.target.value as AlertSeverity | 'all' })}>
            <option value="all">{t('alerts.all')}</option>
            {severities.map((s) => (
              <option key={s} value={s}>
                {t(`alerts.severity_${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('alerts.filter_state')}{' '}
          <select value={f.state} onChange={(e) => setF({ ...f, state: e.target.value as AlertState | 'all' })}>
            <option value="all">{t('alerts.all')}</option>
            {alertStates.map((s) => (
              <option key={s} value={s}>
                {t(`alerts.state_${s}`)}
              </option>
            ))}
          </select>
        </label>
        <input type="search" placeholder={t('alerts.filter_text')} aria-label={t('alerts.filter_text')} value={f.text} onChange={(e) => setF({ ...f, text: e.target.value })} />
      </div>
      {rows.length === 0 ? (
        <p className="muted" data-state="empty">{t('alerts.history_none')}</p>
      ) : (
        <table className="table">
          <tbody>
            {rows.map((a) => (
              <tr key={`${a.id}-${a.resolved_at ?? a.acknowledged_at ?? ''}`} data-testid={`history-${a.rule_id}`} data-state={a.state}>
                <td>
                  <StateText tone={severityTone[a.severity]}>{t(`alerts.severity_${a.severity}`)}</StateText>
                </td>
                <td>{pickText(a.title, lang) || a.rule_id}</td>
                <td>{pickText(a.message, lang)}</td>
                <td>{t(`alerts.state_${a.state}`)}</td>
                <td className="muted">{formatDateTime(a.resolved_at ?? a.acknowledged_at ?? a.fired_at ?? a.started_at, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
