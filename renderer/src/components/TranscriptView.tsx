import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobOutputFormat } from '../../../main/contract';
import { formatTimestamp } from '../views/format';
import { activeSegment, highlightParts, searchSegments, speakerColor, speakersOf, transcriptText, type TranscriptDoc } from '../views/transcript-view';

export interface TranscriptViewProps {
  doc: TranscriptDoc;
  audioSrc: string | null;
  onExport: (format: JobOutputFormat) => Promise<void>;
}

const exportFormats: JobOutputFormat[] = ['srt', 'vtt', 'txt', 'tsv', 'json'];

/** Segments with timestamps (words and speakers when present), search, copy, export, and a player that seeks. */
export function TranscriptView({ doc, audioSrc, onExport }: TranscriptViewProps) {
  const { t } = useTranslation();
  const audio = useRef<HTMLAudioElement>(null);
  const [query, setQuery] = useState('');
  const [time, setTime] = useState(0);
  const [note, setNote] = useState<string | null>(null);
  const hits = useMemo(() => searchSegments(doc.segments, query), [doc.segments, query]);
  const hitMap = new Map(hits.map((h) => [h.index, h.ranges]));
  const playing = activeSegment(doc.segments, time);
  const speakers = speakersOf(doc.segments);
  const matchCount = hits.reduce((n, h) => n + h.ranges.length, 0);
  const seek = (s: number) => {
    const a = audio.current;
    if (!a) return;
    a.currentTime = s;
    setTime(s);
    void a.play().catch(() => undefined);
  };
  const shown = query.trim() ? doc.segments.filter((_, i) => hitMap.has(i)) : doc.segments;
  return (
    <div className="transcript" data-testid="transcript">
      <div className="transcript-tools">
        <input type="search" placeholder={t('transcript.search')} aria-label={t('transcript.search')} value={query} onChange={(e) => setQuery(e.target.value)} />
        {query.trim() && <span className="muted" role="status">{t('transcript.matches', { count: matchCount })}</span>}
        <button
          type="button"
          onClick={() => {
            navigator.clipboard
              .writeText(transcriptText(doc.segments, formatTimestamp))
              .then(() => setNote(t('transcript.copied')))
              .catch((e: unknown) => setNote(t('transcript.copy_failed', { message: e instanceof Error ? e.message : String(e) })));
          }}
        >
          {t('transcript.copy')}
        </button>
        <span className="muted">{t('transcript.export')}</span>
        {exportFormats.map((f) => (
          <button key={f} type="button" data-testid={`export-${f}`} onClick={() => void onExport(f).catch((e: unknown) => setNote(t('panel.error', { message: e instanceof Error ? e.message : String(e) })))}>
            {f.toUpperCase()}
          </button>
        ))}
        {note && <span role="status">{note}</span>}
      </div>
      <p className="muted">
        {doc.language && t('transcript.language', { language: doc.language })}
        {speakers.length > 0 && ` · ${t('transcript.speakers', { list: speakers.join(', ') })}`}
      </p>
      {audioSrc ? (
        <audio ref={audio} controls preload="metadata" src={audioSrc} onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)} data-testid="player" />
      ) : (
        <p className="muted">{t('transcript.audio_unavailable')}</p>
      )}
      {doc.segments.length === 0 ? (
        <p className="muted" data-state="empty">{t('transcript.no_segments')}</p>
      ) : (
        <ol className="segments" data-testid="segments">
          {shown.map((s) => {
            const index = doc.segments.indexOf(s);
            const ranges = hitMap.get(index) ?? [];
            return (
              <li key={s.id} className={index === playing ? 'playing' : ''} data-testid="segment">
                <button type="button" className="stamp" onClick={() => seek(s.start)} aria-label={t('transcript.seek', { time: formatTimestamp(s.start) })}>
                  {formatTimestamp(s.start)}
                </button>
                {s.speaker && (
                  <span className="speaker" style={{ color: speakerColor(s.speaker, speakers) }} data-testid="speaker">
                    {s.speaker}
                  </span>
                )}
                <span className="seg-text">
                  {s.words && s.words.length > 0 && !query.trim()
                    ? s.words.map((w, i) => (
                        <span key={i} className="word" data-speaker={w.speaker} style={w.speaker && w.speaker !== s.speaker ? { color: speakerColor(w.speaker, speakers) } : undefined} title={w.start != null ? `${formatTimestamp(w.start)}${w.speaker ? ` · ${w.speaker}` : ''}` : undefined} onClick={() => w.start != null && seek(w.start)}>
                          {w.word}{' '}
                        </span>
                      ))
                    : highlightParts(s.text, ranges).map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
