/**
 * WhisperX's assign_word_speakers: each segment and each timed word gets the speaker whose
 * turns overlap it the longest in total. Without any overlap it keeps no speaker, unless
 * fillNearest, which gives it the speaker of the nearest turn. (WhisperX's fill_nearest sums
 * negative "intersections" of every turn, which favours speakers with few turns; the nearest
 * turn is what the option is meant to do.)
 */
import type { Transcript, Word } from '../types';
import type { SpeakerTurn } from './types';

export type { SpeakerTurn } from './types';

export interface AssignSpeakersOptions {
  fillNearest?: boolean;
}

/** Turns sorted by start with the running maximum end, for interval queries by binary search. */
class TurnIndex {
  private readonly turns: SpeakerTurn[];
  private readonly maxEnd: Float64Array;
  private readonly maxEndAt: Int32Array;

  constructor(turns: readonly SpeakerTurn[]) {
    this.turns = turns.filter((t) => t.end > t.start).sort((a, b) => a.start - b.start);
    this.maxEnd = new Float64Array(this.turns.length);
    this.maxEndAt = new Int32Array(this.turns.length);
    this.turns.forEach((t, i) => {
      const prev = i ? this.maxEnd[i - 1]! : -Infinity;
      this.maxEnd[i] = Math.max(prev, t.end);
      this.maxEndAt[i] = t.end >= prev ? i : this.maxEndAt[i - 1]!;
    });
  }

  /** Number of turns starting before t. */
  private startingBefore(t: number): number {
    let lo = 0;
    let hi = this.turns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.turns[mid]!.start < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  speakerOf(start: number, end: number, fillNearest: boolean): string | undefined {
    const n = this.startingBefore(end);
    const overlap = new Map<string, number>();
    for (let i = n - 1; i >= 0 && this.maxEnd[i]! > start; i--) {
      const t = this.turns[i]!;
      const d = Math.min(t.end, end) - Math.max(t.start, start);
      if (d > 0) overlap.set(t.speaker, (overlap.get(t.speaker) ?? 0) + d);
    }
    if (overlap.size) {
      let best: [string, number] | null = null;
      for (const e of [...overlap.entries()].sort((a, b) => a[0].localeCompare(b[0]))) if (!best || e[1] > best[1]) best = e;
      return best![0];
    }
    if (!fillNearest || !this.turns.length) return undefined;
    // No overlap: every turn starting before `end` ends by `start`; the rest start at or after `end`.
    const before = n > 0 ? this.turns[this.maxEndAt[n - 1]!]! : null;
    const after = n < this.turns.length ? this.turns[n]! : null;
    if (before && (!after || start - before.end <= after.start - end)) return before.speaker;
    return after?.speaker;
  }
}

function setSpeaker(item: { speaker?: string }, speaker: string | undefined): void {
  if (speaker === undefined) delete item.speaker;
  else item.speaker = speaker;
}

function assignWord(index: TurnIndex, w: Word, fillNearest: boolean): void {
  setSpeaker(w, w.start === undefined || w.end === undefined ? undefined : index.speakerOf(w.start, w.end, fillNearest));
}

/**
 * Sets `speaker` on every segment, on its words and on word_segments, in place (as WhisperX
 * does; a speaker from an earlier assignment is replaced or removed). Returns the transcript.
 */
export function assignWordSpeakers(turns: readonly SpeakerTurn[], transcript: Transcript, opts: AssignSpeakersOptions = {}): Transcript {
  const fill = opts.fillNearest ?? false;
  const index = new TurnIndex(turns);
  const seen = new Set<Word>();
  for (const seg of transcript.segments) {
    setSpeaker(seg, index.speakerOf(seg.start, seg.end, fill));
    for (const w of seg.words ?? []) {
      assignWord(index, w, fill);
      seen.add(w);
    }
  }
  // word_segments usually holds the same word objects as the segments.
  for (const w of transcript.word_segments ?? []) if (!seen.has(w)) assignWord(index, w, fill);
  return transcript;
}
