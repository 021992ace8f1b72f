/** A segment as the JSON export carries it (WhisperX's result dict). */
export interface TranscriptWord {
  word: string;
  start?: number;
  end?: number;
  score?: number;
  speaker?: string;
}
export interface TranscriptSegment {
  id: number;
  start: number;
  end: number;
  text: string;
  words?: TranscriptWord[];
  speaker?: string;
}
export interface TranscriptDoc {
  language: string | null;
  segments: TranscriptSegment[];
}

/** Reads the JSON export (text or already parsed); throws a readable error when it is not one. */
export function parseTranscript(raw: unknown): TranscriptDoc {
  const doc = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  const o = doc as { segments?: unknown; language?: unknown } | null;
  if (!o || !Array.isArray(o.segments)) throw new Error('The transcript has no segments list');
  const segments = o.segments.map((s, i): TranscriptSegment => {
    const seg = s as Partial<TranscriptSegment>;
    return {
      id: typeof seg.id === 'number' ? seg.id : i,
      start: Number(seg.start ?? 0),
      end: Number(seg.end ?? 0),
      text: String(seg.text ?? '').trim(),
      ...(Array.isArray(seg.words) ? { words: seg.words } : {}),
      ...(seg.speaker ? { speaker: seg.speaker } : {}),
    };
  });
  return { language: typeof o.language === 'string' ? o.language : null, segments };
}

export interface SearchHit {
  index: number;
  /** [start, end) character ranges of matches in the segment text. */
  ranges: [number, number][];
}

/** Case-insensitive substring search over segment text. */
export function searchSegments(segments: TranscriptSegment[], query: string): SearchHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits: SearchHit[] = [];
  segments.forEach((s, index) => {
    const text = s.text.toLowerCase();
    const ranges: [number, number][] = [];
    for (let at = text.indexOf(q); at !== -1; at = text.indexOf(q, at + q.length)) ranges.push([at, at + q.length]);
    if (ranges.length) hits.push({ index, ranges });
  });
  return hits;
}

/** Splits text into plain and highlighted parts for rendering. */
export function highlightParts(text: string, ranges: [number, number][]): { text: string; mark: boolean }[] {
  const parts: { text: string; mark: boolean }[] = [];
  let at = 0;
  for (const [a, b] of ranges) {
    if (a > at) parts.push({ text: text.slice(at, a), mark: false });
    parts.push({ text: text.slice(a, b), mark: true });
    at = b;
  }
  if (at < text.length) parts.push({ text: text.slice(at), mark: false });
  return parts;
}

/** The segment playing at a media time (the last one started at or before it). */
export function activeSegment(segments: TranscriptSegment[], time: number): number {
  let found = -1;
  for (let i = 0; i < segments.length; i++) {
    if (segments[i]!.start <= time + 1e-3) found = i;
    else break;
  }
  if (found >= 0 && time > segments[found]!.end + 0.5) return -1;
  return found;
}

/** Plain text for the clipboard: one line per segment, with its start time and speaker. */
export function transcriptText(segments: TranscriptSegment[], stamp: (s: number) => string): string {
  return segments.map((s) => `[${stamp(s.start)}]${s.speaker ? ` ${s.speaker}:` : ''} ${s.text}`).join('\n');
}

export function speakersOf(segments: TranscriptSegment[]): string[] {
  const set = new Set<string>();
  for (const s of segments) {
    if (s.speaker) set.add(s.speaker);
    for (const w of s.words ?? []) if (w.speaker) set.add(w.speaker);
  }
  return [...set].sort();
}

/** "interview.m4a" + srt → "interview.srt". */
export function exportFileName(inputName: string, format: string): string {
  const base = inputName.replace(/\.[A-Za-z0-9]{1,8}$/, '') || 'transcript';
  return `${base}.${format}`;
}

/** Speaker colours: the nth speaker (in sorted order) takes the nth speaker colour of the theme, cycling. */
export const speakerPalette = ['var(--spk1)', 'var(--spk2)', 'var(--spk3)', 'var(--spk4)', 'var(--spk5)'] as const;

export function speakerColor(speaker: string | undefined, speakers: readonly string[]): string | undefined {
  if (!speaker) return undefined;
  const i = speakers.indexOf(speaker);
  return speakerPalette[(i < 0 ? 0 : i) % speakerPalette.length];
}
