import type { SpeechRegion } from '../types';

export interface CutAndMergeOptions {
  /** Longest chunk, in seconds (the model's chunk length: 30 s for Whisper). */
  chunkSize: number;
  /** Only when `regions` is null: binarize `probs` with this onset threshold (WhisperX default 0.5)… */
  onset?: number;
  /** …and this offset threshold (default: onset), as WhisperX's Binarize does for pyannote. */
  offset?: number;
  /** Seconds per probability (silero: 512 / 16000). */
  frameSeconds?: number;
  /** Time of probs[0]'s frame start, in seconds (the audio's offset). */
  probsOffset?: number;
}

const sileroFrameSeconds = 512 / 16000;

interface Span {
  start: number;
  end: number;
}

/** Frame indices whose middle lies strictly inside (start, end). */
function framesWithin(start: number, end: number, n: number, fs: number, t0: number): [number, number] {
  const first = Math.max(0, Math.floor((start - t0) / fs - 0.5) + 1);
  const last = Math.min(n - 1, Math.ceil((end - t0) / fs - 0.5) - 1);
  return [first, last];
}

/**
 * WhisperX's min-cut (Binarize with max_duration): while the span from `start` would grow
 * past chunkSize, cut at the lowest-probability frame of the latter half of what has been
 * seen since `start`; the latter half so pieces do not come out tiny.
 */
function splitLongSpan(span: Span, probs: ArrayLike<number>, chunkSize: number, fs: number, t0: number): Span[] {
  if (span.end - span.start <= chunkSize) return [span];
  const mid = (i: number) => t0 + (i + 0.5) * fs;
  const [first, last] = framesWithin(span.start, span.end, probs.length, fs, t0);
  const pieces: Span[] = [];
  let start = span.start;
  let seen: number[] = [];
  const cut = () => {
    const from = Math.floor(seen.length / 2);
    if (seen.length === 0) {
      // Frames sparser than the chunk (tiny chunkSize): no probability to guide the cut.
      pieces.push({ start, end: start + chunkSize });
      start += chunkSize;
      return;
    }
    let k = from;
    for (let j = from + 1; j < seen.length; j++) if (probs[seen[j]!]! < probs[seen[k]!]!) k = j;
    const at = mid(seen[k]!);
    pieces.push({ start, end: at });
    start = at;
    seen = seen.slice(k + 1);
  };
  for (let i = first; i <= last; i++) {
    while (mid(i) - start > chunkSize) cut();
    seen.push(i);
  }
  while (span.end - start > chunkSize) cut();
  pieces.push({ start, end: span.end });
  return pieces;
}

/** WhisperX's Binarize over raw probabilities (hysteresis onset/offset, no padding). */
function binarize(probs: ArrayLike<number>, onset: number, offset: number, fs: number, t0: number): Span[] {
  const spans: Span[] = [];
  let active = false;
  let start = 0;
  for (let i = 0; i < probs.length; i++) {
    const t = t0 + (i + 0.5) * fs;
    const p = probs[i]!;
    if (!active && p > onset) {
      active = true;
      start = t;
    } else if (active && p < offset) {
      spans.push({ start, end: t });
      active = false;
    }
  }
  if (active && probs.length) spans.push({ start, end: t0 + (probs.length - 0.5) * fs });
  return spans;
}

/**
 * WhisperX's cut & merge: split speech regions longer than chunkSize at their
 * lowest-probability point, then merge neighbours greedily while the merged chunk stays
 * within chunkSize (Vad.merge_chunks). Each chunk lists the regions it is made of.
 * Pass `regions: null` to derive regions from `probs` with onset/offset instead.
 */
export function cutAndMerge(regions: ReadonlyArray<Span> | null, probs: ArrayLike<number>, opts: CutAndMergeOptions): SpeechRegion[] {
  const { chunkSize } = opts;
  if (!(chunkSize > 0) || !Number.isFinite(chunkSize)) throw new RangeError(`chunkSize must be a positive number of seconds, got ${chunkSize}`);
  const fs = opts.frameSeconds ?? sileroFrameSeconds;
  const t0 = opts.probsOffset ?? 0;
  const onset = opts.onset ?? 0.5;
  const source = regions ?? binarize(probs, onset, opts.offset ?? onset, fs, t0);

  // Sorted and non-overlapping, so chunks come out ordered and disjoint whatever the input.
  const spans: Span[] = [];
  for (const r of [...source].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start)) {
    const prev = spans[spans.length - 1];
    if (prev && r.start < prev.end) prev.end = Math.max(prev.end, r.end);
    else spans.push({ start: r.start, end: r.end });
  }
  const pieces = spans.flatMap((s) => splitLongSpan(s, probs, chunkSize, fs, t0));
  if (pieces.length === 0) return [];

  const chunks: SpeechRegion[] = [];
  let currStart = pieces[0]!.start;
  let currEnd = 0;
  let segs: Span[] = [];
  for (const seg of pieces) {
    if (seg.end - currStart > chunkSize && currEnd - currStart > 0) {
      chunks.push({ start: currStart, end: currEnd, segments: segs });
      currStart = seg.start;
      segs = [];
    }
    currEnd = seg.end;
    segs.push({ start: seg.start, end: seg.end });
  }
  chunks.push({ start: currStart, end: currEnd, segments: segs });
  return chunks;
}
