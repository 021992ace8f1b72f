import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChecklistItemView, ChecklistView, MaintenancePeriodName, MaintenanceRun } from '../../../main/contract';
import type { Language } from '../i18n/languages';
import { formatDateTime, pickText } from '../views/format';
import { checklistDue, detailLines, dueState, dueTone, resultTone } from '../views/maintenance-view';
import { StateText } from './Panel';

export interface ChecklistsProps {
  lists: ChecklistView[];
  lang: Language;
  now: number;
  canAct: boolean;
  onRunChecklist: (period: MaintenancePeriodName) => Promise<unknown>;
  onRunItem: (id: string) => Promise<unknown>;
  onConfirmItem: (id: string, note: string) => Promise<unknown>;
}

type ItemProps = { item: ChecklistItemView } & Omit<ChecklistsProps, 'lists' | 'onRunChecklist'>;

function Item({ item, lang, now, canAct, onRunItem, onConfirmItem }: ItemProps) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const manual = item.kind === 'manual';
  const due = dueState(item, now);
  const last = item.last_run;
  const run = () => {
    setBusy(true);
    setError(null);
    (manual ? onConfirmItem(item.id, note.trim()) : onRunItem(item.id))
      .then(() => setNote(''))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(false));
  };
  return (
    <li className="check-item" data-testid={`item-${item.id}`} data-result={last?.result ?? 'none'}>
      <div className="check-line">
        <strong>{pickText(item.title, lang)}</strong>
        {manual && <span className="tag">{t('maintenance.manual')}</span>}
        <StateText tone={dueTone[due]}>{t(`maintenance.due_${due}`)}</StateText>
        {last ? (
          <>
            <StateText tone={resultTone[last.result]} testId="item-result">
              {manual ? t('maintenance.result_confirmed') : t(`maintenance.result_${last.result}`)}
            </StateText>
            <span className="muted">{t('maintenance.last', { time: formatDateTime(last.finished_at, lang) })}</span>
          </>
        ) : (
          <span className="muted">{t('maintenance.never')}</span>
        )}
        <span className="spacer" />
        {manual && <input type="text" value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('maintenance.note')} aria-label={`${t('maintenance.note')}: ${pickText(item.title, lang)}`} />}
        <button type="button" disabled={!canAct || busy || (manual && !note.trim())} onClick={run} data-testid={`run-item-${item.id}`}>
          {busy ? t('maintenance.running') : manual ? t('maintenance.confirm_item') : t('maintenance.run_item')}
        </button>
      </div>
      {manual && item.instructions && <p className="hint">{pickText(item.instructions, lang)}</p>}
      {last && <p className="hint" data-testid="item-summary">{last.summary}</p>}
      {last?.note && <p className="hint">“{last.note}” — {last.operator}</p>}
      {last && Object.keys(last.details).length > 0 && (
        <details>
          <summary>{t('maintenance.details')}</summary>
          <pre>{detailLines(last.details).join('\n')}</pre>
        </details>
      )}
      {error && <p className="state-error">{error}</p>}
    </li>
  );
}

/** The four checklists; run per item and per checklist, last result, due / overdue badges. */
export function Checklists(props: ChecklistsProps) {
  const { t } = useTranslation();
  const [running, setRunning] = useState<MaintenancePeriodName | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="checklists">
      {error && <p className="state-error">{error}</p>}
      {props.lists.map((list) => {
        const due = checklistDue(list, props.now);
        return (
          <section key={list.period} className="panel checklist" data-testid={`checklist-${list.period}`}>
            <header className="panel-head">
              <h2>{t(`maintenance.period_${list.period}`)}</h2>
              <StateText tone={dueTone[due]}>{t(`maintenance.due_${due}`)}</StateText>
              <span className="spacer" />
              <button
                type="button"
                disabled={!props.canAct || running != null}
                onClick={() => {
                  setRunning(list.period);
                  setError(null);
                  props
                    .onRunChecklist(list.period)
                    .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
                    .finally(() => setRunning(null));
                }}
                data-testid={`run-${list.period}`}
              >
                {running === list.period ? t('maintenance.running') : t('maintenance.run_all')}
              </button>
            </header>
            <ul>
              {list.items.map((item) => (
                <Item key={item.id} item={item} lang={props.lang} now={props.now} canAct={props.canAct} onRunItem={props.onRunItem} onConfirmItem={props.onConfirmItem} />
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

export function MaintenanceHistory({ runs, titles, lang }: { runs: MaintenanceRun[]; titles: Map<string, { en: string; zh: string }>; lang: Language }) {
  const { t } = useTranslation();
  if (runs.length === 0) return <p className="muted" data-state="empty">{t('maintenance.history_none')}</p>;
  return (
    <table className="table" data-testid="maintenance-history">
      <tbody>
        {runs.map((r) => (
          <tr key={r.id}>
            <td className="muted">{formatDateTime(r.finished_at, lang)}</td>
            <td>{t(`maintenance.period_${r.period}`)}</td>
            <td>{pickText(titles.get(r.item_id), lang) || r.item_id}</td>
            <td>
              <StateText tone={resultTone[r.result]}>{r.kind === 'manual' ? t('maintenance.result_confirmed') : t(`maintenance.result_${r.result}`)}</StateText>
            </td>
            <td>{r.note ?? r.summary}</td>
            <td className="muted">{r.operator}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
