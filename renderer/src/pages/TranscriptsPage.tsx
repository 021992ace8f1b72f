import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TranscriptionJob } from '../../../main/contract';
import { Panel } from '../components/Panel';
import { TranscriptView } from '../components/TranscriptView';
import * as actions from '../store/actions';
import { formatDateTime } from '../views/format';
import { hashFor } from '../views/nav';
import { parseTranscript, type TranscriptDoc } from '../views/transcript-view';
import { downloadExport } from './download';
import { useLang, useRes } from './hooks';

type Loaded = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; doc: TranscriptDoc };

/** Completed jobs on the left, the chosen transcript with its player on the right. */
export function TranscriptsPage({ id }: { id: string | null }) {
  const { t } = useTranslation();
  const lang = useLang();
  const jobs = useRes('jobs');
  const completed = (jobs.data ?? []).filter((j) => j.state === 'completed');
  const job: TranscriptionJob | undefined = (jobs.data ?? []).find((j) => j.id === id);
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const jobState = job?.state;

  useEffect(() => {
    if (id && !job) void actions.fetchJob(id).catch(() => undefined);
  }, [id, job]);

  useEffect(() => {
    if (!id || jobState !== 'completed') return;
    let live = true;
    setLoaded({ state: 'loading' });
    actions
      .exportText(id, 'json')
      .then((text) => live && setLoaded({ state: 'ready', doc: parseTranscript(text) }))
      .catch((e: unknown) => live && setLoaded({ state: 'error', message: actions.errorText(e) }));
    return () => {
      live = false;
    };
  }, [id, jobState]);

  return (
    <div className="page transcripts" data-testid="page-transcripts">
      <Panel title={t('transcript.pick')} testId="panel-transcript-list" className="transcript-list">
        {completed.length === 0 ? (
          <p className="muted" data-state="empty">{t('transcript.pick_none')}</p>
        ) : (
          <ul>
            {completed.map((j) => (
              <li key={j.id} className={j.id === id ? 'active' : ''}>
                <a href={hashFor('transcripts', j.id)} className="link" aria-current={j.id === id ? 'page' : undefined}>
                  {j.input.name}
                </a>
                <div className="hint">{formatDateTime(j.finished_at, lang)}</div>
              </li>
            ))}
          </ul>
        )}
      </Panel>
      <Panel title={job ? job.input.name : t('transcript.title')} testId="panel-transcript">
        {!id && <p className="muted">{t('transcript.choose')}</p>}
        {id && job && job.state !== 'completed' && <p className="muted">{t('transcript.not_done', { state: t(`jobs.state_${job.state}`) })}</p>}
        {id && jobState === 'completed' && loaded.state === 'loading' && <p className="muted">{t('panel.loading')}</p>}
        {id && jobState === 'completed' && loaded.state === 'error' && <p className="state-error">{t('panel.error', { message: loaded.message })}</p>}
        {id && job && jobState === 'completed' && loaded.state === 'ready' && (
          <TranscriptView
            doc={loaded.doc}
            audioSrc={actions.audioUrl(job.id)}
            onExport={(format) => downloadExport(job, format)}
          />
        )}
      </Panel>
    </div>
  );
}
