import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobOptionsInput, JobOutputFormat } from '../../../main/contract';
import { checkFiles } from '../views/jobs-view';

export interface DropZoneProps {
  profiles: string[];
  activeProfile: string | null;
  canSubmit: boolean;
  /** Electron: the native picker returns paths; the browser uses <input type=file>. */
  nativePicker: boolean;
  onFiles: (files: File[], options: JobOptionsInput) => Promise<string[]>;
  onPickNative: (options: JobOptionsInput) => Promise<string[]>;
  /** Which of the alignment / diarization stages have their models installed (model info). */
  speakers?: { align: boolean; diarize: boolean };
}

const allFormats: JobOutputFormat[] = ['srt', 'vtt', 'txt', 'tsv', 'json'];
const languages = ['en', 'zh', 'de', 'fr', 'es', 'ja'];

/** Drop several audio/video files (or choose them) with the job options beside. */
export function DropZone({ profiles, activeProfile, canSubmit, nativePicker, onFiles, onPickNative, speakers }: DropZoneProps) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [profile, setProfile] = useState('');
  const [language, setLanguage] = useState('');
  const [task, setTask] = useState<'transcribe' | 'translate'>('transcribe');
  const [formats, setFormats] = useState<JobOutputFormat[]>(['srt', 'json']);
  const [messages, setMessages] = useState<string[]>([]);
  const [align, setAlign] = useState(false);
  const [diarize, setDiarize] = useState(false);
  const [maxSpeakers, setMaxSpeakers] = useState('');

  const options = (): JobOptionsInput => ({
    ...(profile ? { profile } : {}),
    language: language || null,
    task,
    output_formats: formats.includes('json') ? formats : [...formats, 'json'],
    ...(align && speakers?.align ? { align: true } : {}),
    ...(diarize && speakers?.diarize ? { diarize: true, ...(Number(maxSpeakers) >= 1 ? { max_speakers: Math.floor(Number(maxSpeakers)) } : {}) } : {}),
  });

  const submit = (list: File[]) => {
    const { accepted, rejected } = checkFiles(list);
    const notes = rejected.length ? [t('jobs.rejected', { names: rejected.map((f) => f.name).join(', ') })] : [];
    setMessages(notes);
    if (accepted.length === 0) return;
    void onFiles(accepted, options()).then((errors) => {
      const ok = accepted.length - errors.length;
      setMessages([...notes, ...(ok > 0 ? [t('jobs.submitted', { count: ok })] : []), ...errors]);
    });
  };

  return (
    <div
      className={`dropzone ${over ? 'over' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        if (canSubmit) submit([...e.dataTransfer.files]);
      }}
    >
      <div className="drop-line">
        <span aria-hidden="true" className="drop-icon">
          ⤓
        </span>
        <strong>{over ? t('jobs.dropping') : t('jobs.drop_title')}</strong>
        <span className="muted">{t('jobs.drop_hint')}</span>
        <button
          type="button"
          disabled={!canSubmit}
          onClick={() => {
            if (nativePicker) void onPickNative(options()).then((errors) => setMessages(errors));
            else input.current?.click();
          }}
        >
          {t('jobs.choose')}
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept="audio/*,video/*"
          hidden
          data-testid="file-input"
          onChange={(e) => {
            submit([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
      </div>
      <div className="drop-options">
        <label>
          {t('jobs.profile')}{' '}
          <select value={profile} onChange={(e) => setProfile(e.target.value)}>
            <option value="">{t('jobs.profile_default', { name: activeProfile ?? '…' })}</option>
            {profiles.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('jobs.language')}{' '}
          <select value={language} onChange={(e) => setLanguage(e.target.value)}>
            <option value="">{t('jobs.language_auto')}</option>
            {languages.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('jobs.task')}{' '}
          <select value={task} onChange={(e) => setTask(e.target.value as 'transcribe' | 'translate')}>
            <option value="transcribe">{t('jobs.task_transcribe')}</option>
            <option value="translate">{t('jobs.task_translate')}</option>
          </select>
        </label>
        <fieldset className="formats">
          <legend>{t('jobs.formats')}</legend>
          {allFormats.map((f) => (
            <label key={f}>
              <input type="checkbox" checked={formats.includes(f)} onChange={(e) => setFormats(e.target.checked ? [...formats, f] : formats.filter((x) => x !== f))} /> {f}
            </label>
          ))}
        </fieldset>
        <fieldset className="speakers-options">
          <label title={speakers?.align ? undefined : t('jobs.stage_missing')}>
            <input type="checkbox" data-testid="opt-align" disabled={!speakers?.align} checked={align && Boolean(speakers?.align)} onChange={(e) => setAlign(e.target.checked)} /> {t('jobs.align')}
          </label>
          <label title={speakers?.diarize ? undefined : t('jobs.stage_missing')}>
            <input type="checkbox" data-testid="opt-diarize" disabled={!speakers?.diarize} checked={diarize && Boolean(speakers?.diarize)} onChange={(e) => setDiarize(e.target.checked)} /> {t('jobs.diarize')}
          </label>
          {diarize && speakers?.diarize && (
            <label>
              {t('jobs.max_speakers')}{' '}
              <input type="number" min={1} max={64} className="num" value={maxSpeakers} placeholder={t('jobs.max_speakers_auto')} onChange={(e) => setMaxSpeakers(e.target.value)} />
            </label>
          )}
        </fieldset>
      </div>
      {!canSubmit && <p className="muted">{t('jobs.read_only')}</p>}
      {messages.length > 0 && (
        <ul className="drop-messages" role="status">
          {messages.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
