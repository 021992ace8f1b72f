/**
 * Optional: split a segment where its words change speaker. WhisperX keeps each ASR segment
 * whole and gives it the speaker that overlaps it most; when a segment spans several turns
 * (a whole VAD chunk, with a model that decodes without timestamps) its cue then names one
 * speaker for everybody's words. Splitting gives one segment per speaker turn; Whisper's
 * per-segment fields that cannot be split (tokens) are left out of the parts.
 */
import type { Segment, Transcript, Word } from '../types';

const noSpaces = new Set(['zh', 'ja', 'th', 'lo', 'my', 'yue']);

export function splitSegmentsBySpeaker(t: Transcript): Transcript {
  const join = noSpaces.has(t.language) ? '' : ' ';
  const out: Segment[] = [];
  for (const seg of t.segments) {
    const words = seg.words ?? [];
    const groups: Word[][] = [];
    let current: Word[] = [];
    let speaker: string | undefined;
    for (const w of words) {
      // A word without a speaker stays with the words around it.
      if (w.speaker !== undefined && speaker !== undefined && w.speaker !== speaker && current.length > 0) {
        groups.push(current);
        current = [];
      }
      if (w.speaker !== undefined) speaker = w.speaker;
      current.push(w);
    }
    if (current.length > 0) groups.push(current);
    if (groups.length < 2) {
      out.push(seg);
      continue;
    }
    groups.forEach((g, i) => {
      const timed = g.filter((w) => typeof w.start === 'number' && typeof w.end === 'number');
      const who = g.find((w) => w.speaker !== undefined)?.speaker;
      const part: Segment = {
        id: 0,
        start: i === 0 ? seg.start : (timed[0]?.start ?? seg.start),
        end: i === groups.length - 1 ? seg.end : (timed[timed.length - 1]?.end ?? seg.end),
        text: `${join}${g.map((w) => w.word.trim()).join(join)}`,
        words: g,
        ...(who !== undefined ? { speaker: who } : {}),
        ...(seg.avg_logprob !== undefined ? { avg_logprob: seg.avg_logprob } : {}),
        ...(seg.no_speech_prob !== undefined ? { no_speech_prob: seg.no_speech_prob } : {}),
        ...(seg.temperature !== undefined ? { temperature: seg.temperature } : {}),
      };
      out.push(part);
    });
  }
  out.forEach((s, i) => (s.id = i));
  return { ...t, segments: out };
}
