import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FleetWorker, JobOutputFormat, TranscriptionJob } from '../../../main/contract';
import type { Language } from '../i18n/languages';
import { formatAge, formatClock } from '../views/format';
import { jobRow } from '../views/jobs-view';
import { hashFor } from '../views/nav';
import { StateText } from './Panel';

export interface JobsTableProps {
  jobs: TranscriptionJob[];
  canAct: boolean;
  limit?: number;
  onCancel: (id: string) => Promise<unknown>;
  onRetry: (id: string) => Promise<unknown>;
  /** Downloads one of a finished job's result files. */
  onExport?: (job: TranscriptionJob, format: JobOutputFormat) => Promise<void>;
}

function stageText(t: (k: string, o?: Record<string, unknown>) => string, stage: string | null): string {
  return stage ? t(`stage.${stage}`, { defaultValue: stage }) : '';
}

/** The queue: state, stage, progress bar, ETA, cancel / retry, links to the transcript. */
export function JobsTable({ jobs, canAct, limit, onCancel, onRetry, onExport }: JobsTableProps) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (jobs.length === 0) return <p className="muted" data-state="empty">{t('jobs.empty')}</p>;
  const act = (id: string, fn: (id: string) => Promise<unknown>) => {
    setBusy(id);
    setError(null);
    fn(id)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(null));
  };
  const rows = jobs.slice(0, limit ?? jobs.length).map(jobRow);
  return (
    <>
      {error && (
        <p className="state-error" role="alert">
          {error}
        </p>
      )}
      <table className="table jobs" data-testid="jobs-table">
        <thead>
          <tr>
            <th scope="col">{t('jobs.col_file')}</th>
            <th scope="col">{t('jobs.col_state')}</th>
            <th scope="col">{t('jobs.col_progress')}</th>
            <th scope="col">{t('jobs.col_actions')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid={`job-${r.id}`} data-job-name={r.name} data-state={r.state}>
              <td className="file" title={r.error ?? r.name}>
                {r.name}
                {r.error && <div className="hint state-error">{r.error}</div>}
                {r.hint && <div className="hint">{r.hint}</div>}
              </td>
              <td>
                <StateText tone={r.tone}>{t(`jobs.state_${r.state}`)}</StateText>
                {r.retries > 0 && <div className="hint">{t('jobs.retries', { count: r.retries })}</div>}
              </td>
              <td>
                <div className="progress-cell">
                {r.percent != null && (
                  <>
                    <span className="muted">{stageText(t, r.stage)}</span>
                    <progress max={100} value={r.percent} aria-label={`${r.name} ${r.percent}%`} data-testid="job-progress" />
                    <span className="num">{r.percent}%</span>
                    {r.etaSeconds != null && <span className="muted">{t('jobs.eta', { eta: formatClock(r.etaSeconds) })}</span>}
                  </>
                )}
                {r.done && r.durationSeconds != null && <span className="muted">{t('jobs.took', { duration: formatClock(r.durationSeconds) })}</span>}
                </div>
              </td>
              <td>
                <div className="actions">
                {r.done && (
                  <a className="link" href={hashFor('transcripts', r.id)} data-testid="job-view">
                    {t('jobs.view')}
                  </a>
                )}
                {r.done &&
                  onExport &&
                  r.formats
                    .filter((f) => f !== 'json')
                    .map((f) => (
                      <button key={f} type="button" className="link" onClick={() => act(r.id, () => onExport(jobs.find((j) => j.id === r.id)!, f as JobOutputFormat))}>
                        {f}
                      </button>
                    ))}
                {r.canCancel && (
                  <button type="button" disabled={!canAct || busy === r.id} onClick={() => act(r.id, onCancel)}>
                    {t('jobs.cancel')}
                  </button>
                )}
                {r.canRetry && (
                  <button type="button" disabled={!canAct || busy === r.id} onClick={() => act(r.id, onRetry)}>
                    {t('jobs.retry')}
                  </button>
                )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function WorkersList({ workers, lang, now }: { workers: FleetWorker[]; lang: Language; now: number }) {
  const { t } = useTranslation();
  if (workers.length === 0) return <p className="muted" data-state="empty">{t('jobs.workers_none')}</p>;
  return (
    <ul className="workers" data-testid="workers">
      {workers.map((w) => (
        <li key={w.id}>
          <StateText tone="ok">
            {t('jobs.worker_row', { host: w.host, pid: w.pid, mode: w.mode, devices: w.devices.join(',') || '–', jobs: w.current_jobs.length, done: w.jobs_done })}
          </StateText>{' '}
          <span className="muted">{t('jobs.last_seen', { age: formatAge(now - Date.parse(w.last_seen), lang) })}</span>
        </li>
      ))}
    </ul>
  );
}
