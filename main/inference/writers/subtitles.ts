import type { Segment, Transcript, Word } from '../types';
import { formatTimestamp } from './timestamps';

/** Languages whose words are joined without spaces (whisper.utils.LANGUAGES_WITHOUT_SPACES). */
const languagesWithoutSpaces = new Set(['ja', 'zh']);

export interface SubtitleOptions {
  /** Underline each word in turn (one cue per word), as --highlight_words does. */
  highlightWords?: boolean;
  /** Characters per line before a line break (words mode only); none = 1000. */
  maxLineWidth?: number;
  /** Lines per cue; only together with maxLineWidth, as in WhisperX. */
  maxLineCount?: number;
}

export interface Cue {
  start: string;
  end: string;
  text: string;
}

interface Timing {
  word: string;
  start?: number;
  end?: number;
}

interface Owner {
  start: number;
  end: number;
  speaker: string | undefined;
}

/** Python's len(): code points, not UTF-16 units. */
const codePoints = (s: string) => [...s].length;
const hasStart = (t: Timing): t is Timing & { start: number } => typeof t.start === 'number';
const hasEnd = (t: Timing): t is Timing & { end: number } => typeof t.end === 'number';

/**
 * A segment's words; a segment alignment left without words keeps its text as one untimed
 * word (WhisperX would drop it or fail) so no text is lost from the subtitles.
 */
function wordsOf(segment: Segment): Timing[] {
  const words = segment.words ?? [];
  if (words.length) return words.map((w: Word) => ({ word: w.word, ...(w.start !== undefined ? { start: w.start } : {}), ...(w.end !== undefined ? { end: w.end } : {}) }));
  const text = segment.text.trim();
  return text ? [{ word: text, start: segment.start, end: segment.end }] : [];
}

/** WhisperX SubtitlesWriter.iterate_subtitles: groups words into cues and lines. */
function* groupWords(segments: Segment[], o: SubtitleOptions): Generator<[Timing[], Owner[]]> {
  const maxLineWidth = o.maxLineWidth ?? 1000;
  const maxLineCount = o.maxLineCount;
  const preserveSegments = maxLineCount === undefined || o.maxLineWidth === undefined;
  let lineLen = 0;
  let lineCount = 1;
  let subtitle: Timing[] = [];
  let times: Owner[] = [];
  let last = segments[0]!.start;
  for (const segment of segments) {
    const words = wordsOf(segment);
    for (let i = 0; i < words.length; i++) {
      const timing: Timing = { ...words[i]! };
      const longPause = hasStart(timing) ? !preserveSegments && timing.start - last > 3.0 : false;
      const hasRoom = lineLen + codePoints(timing.word) <= maxLineWidth;
      const segBreak = i === 0 && subtitle.length > 0 && preserveSegments;
      if (lineLen > 0 && hasRoom && !longPause && !segBreak) {
        lineLen += codePoints(timing.word);
      } else {
        timing.word = timing.word.trim();
        if ((subtitle.length > 0 && maxLineCount !== undefined && (longPause || lineCount >= maxLineCount)) || segBreak) {
          yield [subtitle, times];
          subtitle = [];
          times = [];
          lineCount = 1;
        } else if (lineLen > 0) {
          lineCount += 1;
          timing.word = `\n${timing.word}`;
        }
        lineLen = codePoints(timing.word.trim());
      }
      subtitle.push(timing);
      times.push({ start: segment.start, end: segment.end, speaker: segment.speaker });
      if (hasStart(timing)) last = timing.start;
    }
  }
  if (subtitle.length > 0) yield [subtitle, times];
}

/** WhisperX SubtitlesWriter.iterate_result: the cues of an srt/vtt file. */
export function* subtitleCues(t: Transcript, alwaysIncludeHours: boolean, decimalMarker: string, o: SubtitleOptions = {}): Generator<Cue> {
  if (t.segments.length === 0) return;
  const fmt = (s: number) => formatTimestamp(s, alwaysIncludeHours, decimalMarker);

  if (t.segments[0]!.words === undefined) {
    for (const segment of t.segments) {
      let text = segment.text.trim().replaceAll('-->', '->');
      if (segment.speaker !== undefined) text = `[${segment.speaker}]: ${text}`;
      yield { start: fmt(segment.start), end: fmt(segment.end), text };
    }
    return;
  }

  for (const [subtitle, times] of groupWords(t.segments, o)) {
    let sstart = times[0]!.start;
    let send = times[0]!.end;
    const speaker = times[0]!.speaker;
    const timed = subtitle.some(hasStart);
    if (timed) {
      sstart = subtitle.find(hasStart)!.start;
      send = [...subtitle].reverse().find(hasEnd)?.end ?? send;
    }
    const subtitleStart = fmt(sstart);
    const subtitleEnd = fmt(send);
    const joiner = languagesWithoutSpaces.has(t.language) ? '' : ' ';
    const subtitleText = subtitle.map((w) => w.word).join(joiner);
    const prefix = speaker !== undefined ? `[${speaker}]: ` : '';

    if (o.highlightWords && timed) {
      let last = subtitleStart;
      const allWords = subtitle.map((w) => w.word);
      for (let i = 0; i < subtitle.length; i++) {
        const thisWord = subtitle[i]!;
        if (!hasStart(thisWord)) continue;
        const start = fmt(thisWord.start);
        const end = fmt(thisWord.end ?? thisWord.start);
        if (last !== start) yield { start: last, end: start, text: prefix + subtitleText };
        const underlined = allWords.map((w, j) => (j === i ? w.replace(/^(\s*)(.*)$/, '$1<u>$2</u>') : w)).join(' ');
        yield { start, end, text: prefix + underlined };
        last = end;
      }
    } else {
      yield { start: subtitleStart, end: subtitleEnd, text: prefix + subtitleText };
    }
  }
}
