import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntryView, EmergencyActionView } from '../../../main/contract';
import type { Language } from '../i18n/languages';
import { formatDateTime, pickText } from '../views/format';
import { ConfirmDialog } from './ConfirmDialog';
import { StateText } from './Panel';

export interface ActionOutcome {
  outcome: string;
  message: string;
  /** What the action found or did in detail (log lines, disk figures…). */
  details?: Record<string, unknown>;
}

export function outcomeTone(outcome: string): 'ok' | 'warn' | 'alert' | 'unknown' {
  return outcome === 'done' ? 'ok' : outcome === 'partial' || outcome === 'unavailable' ? 'warn' : outcome === 'failed' || outcome === 'refused' ? 'alert' : 'unknown';
}

export interface EmergencyProps {
  actions: EmergencyActionView[];
  lockKeys: string[];
  lang: Language;
  canAct: boolean;
  /** Action id to draw attention to (linked from an alert). */
  highlight?: string | null;
  compact?: boolean;
  onRun: (id: string, body: { lock_key?: string; reason?: string }) => Promise<ActionOutcome>;
}

/** One button per action; a dialog says what will happen, then the result is shown. */
export function EmergencyActions({ actions, lockKeys, lang, canAct, highlight, compact, onRun }: EmergencyProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<EmergencyActionView | null>(null);
  const [busy, setBusy] = useState(false);
  const [lockKey, setLockKey] = useState(lockKeys[0] ?? 'gpu_lock:0');
  const [reason, setReason] = useState('');
  const [results, setResults] = useState<Record<string, ActionOutcome>>({});
  const run = () => {
    if (!open) return;
    setBusy(true);
    const body: { lock_key?: string; reason?: string } = open.id === 'release_gpu_lock' ? { lock_key: lockKey } : {};
    if (reason.trim()) body.reason = reason.trim();
    const id = open.id;
    onRun(id, body)
      .then((r) => setResults((s) => ({ ...s, [id]: r })))
      .catch((e: unknown) => setResults((s) => ({ ...s, [id]: { outcome: 'failed', message: e instanceof Error ? e.message : String(e) } })))
      .finally(() => {
        setBusy(false);
        setOpen(null);
        setReason('');
      });
  };
  return (
    <>
      <ul className={`emergency ${compact ? 'compact' : ''}`} data-testid="emergency-actions">
        {actions.map((a) => {
          const r = results[a.id];
          return (
            <li key={a.id} className={highlight === a.id ? 'highlight' : ''}>
              <button type="button" className="danger-outline" disabled={!canAct || a.available === false} onClick={() => setOpen(a)} data-testid={`action-${a.id}`}>
                {pickText(a.title, lang)}
              </button>
              {(!compact || r || a.available === false) && (
                <div className="action-text">
                  {!compact && <span className="muted">{pickText(a.description, lang)}</span>}
                  {!compact && a.available === false && a.unavailable_reason && <span className="muted">{t('emergency.unavailable_action', { reason: a.unavailable_reason })}</span>}
                  {r && (
                    <span role="status" data-testid={`result-${a.id}`} data-outcome={r.outcome}>
                      <StateText tone={outcomeTone(r.outcome)}>
                        {t(`emergency.outcome_${r.outcome}`, { defaultValue: r.outcome })}: {r.message}
                      </StateText>
                    </span>
                  )}
                  {r?.details && Object.keys(r.details).length > 0 && (
                    <details>
                      <summary>{t('maintenance.details')}</summary>
                      <pre>{JSON.stringify(r.details, null, 2)}</pre>
                    </details>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {open && (
        <ConfirmDialog title={t('emergency.confirm_title', { action: pickText(open.title, lang) })} confirmLabel={t('emergency.confirm_go')} busy={busy} onConfirm={run} onCancel={() => setOpen(null)}>
          <p>{t('emergency.confirm_body')}</p>
          <p data-testid="confirm-description">{pickText(open.description, lang)}</p>
          {open.manual_ref && <p className="muted">{open.manual_ref}</p>}
          {open.id === 'release_gpu_lock' && (
            <label className="field">
              {t('emergency.lock_key')}{' '}
              <select value={lockKey} onChange={(e) => setLockKey(e.target.value)}>
                {(lockKeys.length ? lockKeys : ['gpu_lock:0']).map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label className="field">
            {t('emergency.reason')} <input type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
        </ConfirmDialog>
      )}
    </>
  );
}

export function AuditLog({ entries, lang }: { entries: AuditEntryView[]; lang: Language }) {
  const { t } = useTranslation();
  if (entries.length === 0) return <p className="muted" data-state="empty">{t('emergency.audit_none')}</p>;
  return (
    <table className="table" data-testid="audit-log">
      <tbody>
        {entries.map((e) => (
          <tr key={e.id}>
            <td className="muted">{formatDateTime(e.at, lang)}</td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>{e.target}</td>
            <td>
              <StateText tone={outcomeTone(e.outcome)}>{t(`emergency.outcome_${e.outcome}`, { defaultValue: e.outcome })}</StateText>
            </td>
            <td>{e.message}</td>
            <td className="muted">{e.actor}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
