/**
 * From per-window local speakers to file-level turns: map each window's local speakers to
 * global clusters (never two to the same one), average the mapped activities over the
 * overlapping windows on one frame grid, and binarize with hysteresis and min on / off.
 */
import { maximizeAssignment } from './assignment';
import { speakerLabel, type BinarizeOptions, type SpeakerTurn } from './types';

/**
 * Global cluster of each local speaker of one window (−1: none), from their similarity to
 * each cluster (rows: local speakers; null: the speaker had no embedding and is dropped).
 * Hungarian assignment, as pyannote's constrained_assignment.
 */
export function mapLocalSpeakers(similarity: ReadonlyArray<readonly number[] | null>): Int32Array {
  const mapping = new Int32Array(similarity.length).fill(-1);
  const rows = similarity.flatMap((s, i) => (s ? [i] : []));
  if (!rows.length) return mapping;
  for (const [r, c] of maximizeAssignment(rows.map((i) => similarity[i]!))) mapping[rows[r]!] = c;
  return mapping;
}

/** The output frame grid shared by all windows: frame j is centred at j·step + duration/2. */
export interface FrameGrid {
  /** Seconds between frames and seconds each frame sees. */
  step: number;
  duration: number;
}

export interface WindowActivity {
  /** Window start, seconds from the file start. */
  start: number;
  /** [frames][local speakers] 0/1. */
  activity: Uint8Array;
  numFrames: number;
  numLocal: number;
  /** Global speaker of each local speaker (−1: dropped). */
  mapping: ArrayLike<number>;
}

/**
 * Average over windows of each global speaker's activity per frame: [frames][speakers].
 * A window counts for every frame it covers, whether or not anyone speaks in it.
 */
export function aggregateActivity(windows: readonly WindowActivity[], numSpeakers: number, grid: FrameGrid): { scores: Float32Array; numFrames: number } {
  const first = (w: WindowActivity) => Math.round(w.start / grid.step);
  let numFrames = 0;
  for (const w of windows) numFrames = Math.max(numFrames, first(w) + w.numFrames);
  const sum = new Float32Array(numFrames * numSpeakers);
  const count = new Float32Array(numFrames);
  for (const w of windows) {
    const f0 = first(w);
    for (let i = 0; i < w.numFrames; i++) {
      const j = f0 + i;
      count[j]!++;
      for (let s = 0; s < w.numLocal; s++) {
        const k = w.mapping[s]!;
        // Two local speakers never share a global one, so a plain add is the max pyannote takes.
        if (k >= 0 && w.activity[i * w.numLocal + s]) sum[j * numSpeakers + k]!++;
      }
    }
  }
  for (let j = 0; j < numFrames; j++) {
    const c = count[j]!;
    if (c > 0) for (let k = 0; k < numSpeakers; k++) sum[j * numSpeakers + k]! /= c;
  }
  return { scores: sum, numFrames };
}

export interface Span {
  start: number;
  end: number;
}

/**
 * pyannote's Binarize on one speaker's scores (frame times given): hysteresis between onset
 * and offset, then gaps shorter than minDurationOff filled, then spans shorter than
 * minDurationOn dropped.
 */
export function binarize(scores: ArrayLike<number>, times: ArrayLike<number>, opts: BinarizeOptions): Span[] {
  const n = scores.length;
  if (!n) return [];
  const spans: Span[] = [];
  let active = scores[0]! > opts.onset;
  let start = times[0]!;
  for (let i = 1; i < n; i++) {
    const y = scores[i]!;
    if (active && y < opts.offset) {
      spans.push({ start, end: times[i]! });
      active = false;
    } else if (!active && y > opts.onset) {
      start = times[i]!;
      active = true;
    }
  }
  if (active) spans.push({ start, end: times[n - 1]! });
  const filled: Span[] = [];
  for (const s of spans) {
    const last = filled[filled.length - 1];
    if (last && opts.minDurationOff > 0 && s.start - last.end < opts.minDurationOff) last.end = Math.max(last.end, s.end);
    else filled.push({ ...s });
  }
  return opts.minDurationOn > 0 ? filled.filter((s) => s.end - s.start >= opts.minDurationOn) : filled;
}

/**
 * Turns from aggregated scores [frames][speakers]: times from the grid (+ origin), clipped
 * to [origin, origin + duration]; speakers renamed SPEAKER_00… in order of first turn.
 */
export function scoresToTurns(scores: Float32Array, numFrames: number, numSpeakers: number, grid: FrameGrid, opts: BinarizeOptions & { origin?: number; duration?: number }): SpeakerTurn[] {
  const origin = opts.origin ?? 0;
  const end = opts.duration === undefined ? Infinity : origin + opts.duration;
  const times = Float64Array.from({ length: numFrames }, (_, j) => origin + j * grid.step + grid.duration / 2);
  const column = new Float32Array(numFrames);
  const raw: Array<SpeakerTurn & { cluster: number }> = [];
  for (let k = 0; k < numSpeakers; k++) {
    for (let j = 0; j < numFrames; j++) column[j] = scores[j * numSpeakers + k]!;
    for (const s of binarize(column, times, opts)) {
      const t0 = Math.max(origin, s.start);
      const t1 = Math.min(end, s.end);
      if (t1 > t0) raw.push({ start: t0, end: t1, speaker: '', cluster: k });
    }
  }
  raw.sort((a, b) => a.start - b.start || a.cluster - b.cluster);
  const names = new Map<number, string>();
  return raw.map(({ start, end: e, cluster }) => {
    if (!names.has(cluster)) names.set(cluster, speakerLabel(names.size));
    return { start, end: e, speaker: names.get(cluster)! };
  });
}
