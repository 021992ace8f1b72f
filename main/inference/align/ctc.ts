/**
 * CTC forced alignment as whisperx/alignment.py does it (the torchaudio tutorial's trellis and
 * classic backtrack, not the older beam backtrack), over one segment's emission matrix.
 *
 * Arithmetic follows torch's float32: every trellis cell and every stay/change score is
 * rounded to float32 (Math.fround), and the blank cumsum is accumulated in float64 and
 * stored as float32 (torch's CPU cumsum), so near-ties break the way the Python reference does.
 *
 * Note on repeated letters: this trellis is not strict CTC. "Stay" consumes a blank and
 * "change" consumes the next character, so each character owns exactly one emitting frame
 * and "ll" may take two adjacent frames with no blank between them (strict CTC would need one).
 */

/** Frames × classes, row major; values are log-probabilities after logSoftmax. */
export interface Emission {
  readonly data: Float32Array;
  readonly frames: number;
  readonly classes: number;
}

/** One step of the best path: the transcript character it belongs to, its frame, exp(score). */
export interface PathPoint {
  tokenIndex: number;
  timeIndex: number;
  score: number;
}

/** A character's span of frames [start, end) and its mean frame probability (merge_repeats). */
export interface CharSpan {
  tokenIndex: number;
  start: number;
  end: number;
  score: number;
}

/** torch.log_softmax over the last axis, per frame (computed in float64, stored as float32). */
export function logSoftmax(logits: Float32Array, frames: number, classes: number): Emission {
  if (logits.length !== frames * classes) throw new RangeError(`logits hold ${logits.length} values, expected ${frames} × ${classes}`);
  const out = new Float32Array(logits.length);
  for (let t = 0; t < frames; t++) {
    const row = t * classes;
    let max = -Infinity;
    for (let v = 0; v < classes; v++) max = Math.max(max, logits[row + v]!);
    let sum = 0;
    for (let v = 0; v < classes; v++) sum += Math.exp(logits[row + v]! - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < classes; v++) out[row + v] = logits[row + v]! - lse;
  }
  return { data: out, frames, classes };
}

/**
 * Recent whisperx's wildcard: an extra last column holding, per frame, the best non-blank
 * score; characters the model does not know are aligned against it. Returns the widened
 * emission and the wildcard's class id.
 */
export function withWildcardColumn(e: Emission, blankId: number): { emission: Emission; wildcardId: number } {
  const classes = e.classes + 1;
  const data = new Float32Array(e.frames * classes);
  for (let t = 0; t < e.frames; t++) {
    let best = -Infinity;
    for (let v = 0; v < e.classes; v++) {
      const x = e.data[t * e.classes + v]!;
      data[t * classes + v] = x;
      if (v !== blankId && x > best) best = x;
    }
    data[t * classes + e.classes] = best;
  }
  return { emission: { data, frames: e.frames, classes }, wildcardId: e.classes };
}

/** The trellis, (frames + 1) × (tokens + 1), row major, as get_trellis builds it. */
export interface Trellis {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

export function getTrellis(e: Emission, tokens: readonly number[], blankId: number): Trellis {
  const numFrame = e.frames;
  const numTokens = tokens.length;
  const rows = numFrame + 1;
  const cols = numTokens + 1;
  const tr = new Float32Array(rows * cols);
  const em = (t: number, v: number) => e.data[t * e.classes + v]!;
  tr[0] = 0;
  let cum = 0;
  for (let t = 0; t < numFrame; t++) {
    cum += em(t, blankId);
    tr[(t + 1) * cols] = cum;
  }
  // trellis[0, -num_tokens:] = -inf; trellis[-num_tokens:, 0] = inf (a slice longer than the axis is all of it).
  for (let j = Math.max(0, cols - numTokens); j < cols; j++) tr[j] = -Infinity;
  for (let r = Math.max(0, rows - numTokens); r < rows; r++) tr[r * cols] = Infinity;
  for (let t = 0; t < numFrame; t++) {
    const blank = em(t, blankId);
    const prev = t * cols;
    const next = (t + 1) * cols;
    for (let j = 1; j < cols; j++) {
      const stay = Math.fround(tr[prev + j]! + blank);
      const change = Math.fround(tr[prev + j - 1]! + em(t, tokens[j - 1]!));
      tr[next + j] = Math.max(stay, change);
    }
  }
  return { data: tr, rows, cols };
}

/**
 * whisperx's backtrack: from the frame where the last token scores best back to the first
 * token. Null when the path cannot reach the start (the segment has too few frames).
 */
export function backtrack(tr: Trellis, e: Emission, tokens: readonly number[], blankId: number): PathPoint[] | null {
  const cell = (t: number, j: number) => tr.data[t * tr.cols + j]!;
  const em = (t: number, v: number) => e.data[t * e.classes + v]!;
  let j = tr.cols - 1;
  // torch.argmax: the first index of the maximum.
  let tStart = 0;
  for (let t = 1; t < tr.rows; t++) if (cell(t, j) > cell(tStart, j)) tStart = t;
  if (j === 0) return null;
  const path: PathPoint[] = [];
  for (let t = tStart; t > 0; t--) {
    const stayed = Math.fround(cell(t - 1, j) + em(t - 1, blankId));
    const changed = Math.fround(cell(t - 1, j - 1) + em(t - 1, tokens[j - 1]!));
    const isChange = changed > stayed;
    path.push({ tokenIndex: j - 1, timeIndex: t - 1, score: Math.fround(Math.exp(em(t - 1, isChange ? tokens[j - 1]! : blankId))) });
    if (isChange) {
      j -= 1;
      if (j === 0) return path.reverse();
    }
  }
  return null;
}

/** merge_repeats: consecutive points of one character become its span [start, end). */
export function mergeRepeats(path: readonly PathPoint[]): CharSpan[] {
  const spans: CharSpan[] = [];
  let i1 = 0;
  while (i1 < path.length) {
    let i2 = i1;
    let sum = 0;
    while (i2 < path.length && path[i2]!.tokenIndex === path[i1]!.tokenIndex) sum += path[i2++]!.score;
    spans.push({ tokenIndex: path[i1]!.tokenIndex, start: path[i1]!.timeIndex, end: path[i2 - 1]!.timeIndex + 1, score: sum / (i2 - i1) });
    i1 = i2;
  }
  return spans;
}

/** Trellis, backtrack and merge in one: each transcript character's frame span, or null. */
export function alignTokens(e: Emission, tokens: readonly number[], blankId: number): CharSpan[] | null {
  if (tokens.length === 0) return null;
  const path = backtrack(getTrellis(e, tokens, blankId), e, tokens, blankId);
  return path ? mergeRepeats(path) : null;
}
