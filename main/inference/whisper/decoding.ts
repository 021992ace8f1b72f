/**
 * The decoder loop over a batch of chunks: greedy, beam search (openai/whisper
 * BeamSearchDecoder with patience 1) and temperature sampling with best_of, each audio
 * row finishing on its own. The model sits behind DecoderSession so the loop is tested
 * on crafted logits and runs the same on onnxruntime.
 */
import { ApplyTimestampRules, argmax, type LogitFilter, logSumExp, logSumExpFromMax, SuppressBlank, SuppressTokens, topK } from './logits-filters';
import type { WhisperSpecials } from './tokenizer';

export interface StartLogits {
  /** Logits after the last prompt token, [rows × vocab]. */
  last: Float32Array;
  /** Logits after the SOT token (no-speech probability), [rows × vocab]. */
  atSot: Float32Array;
}

/** What a greedy step picked in the model's graph: per row, the token and its log probability. */
export interface GreedyStep {
  tokens: Int32Array;
  logprobs: Float64Array;
}

/** One decoding pass over some audio rows; rows are rearranged with reorder(). */
export interface DecoderSession {
  readonly vocabSize: number;
  /** True when stepGreedy is available (the decoder graph picks greedy tokens itself). */
  readonly greedyInGraph?: boolean;
  /** Prompt for every row; rowSources[i] = which audio (encoder output) row i reads. */
  start(prompt: Int32Array, sotIndex: number, rowSources: Int32Array): Promise<StartLogits>;
  /** One token per current row → logits [rows × vocab]. */
  step(tokens: Int32Array): Promise<Float32Array>;
  /**
   * One token per current row → each row's argmax and its log-softmax, with the `suppress`
   * tokens masked (the same array object for the whole pass). Only for greedy decoding
   * without timestamp rules, where those tokens are the only filter after the first step.
   */
  stepGreedy?(tokens: Int32Array, suppress: Int32Array): Promise<GreedyStep>;
  /** The rows to keep, as indices into the current rows (repeats allowed, for beams). */
  reorder(rows: Int32Array): void;
  /** Drop cached tensors. */
  end(): void;
}

export interface DecodeOptions {
  temperature: number;
  beamSize: number;
  bestOf: number;
  /** Tokens to sample at most (openai: n_text_ctx / 2). */
  sampleLen: number;
  withoutTimestamps: boolean;
  maxInitialTimestampIndex: number | null;
  suppressTokens: number[];
  suppressBlank: boolean;
  /** Tokens for " " (SuppressBlank). */
  blankTokens: number[];
  /** Seeded random source for temperature sampling, in [0, 1). */
  random: () => number;
  signal?: AbortSignal | undefined;
}

export interface DecodedRow {
  /** Sampled tokens without the final EOT. */
  tokens: number[];
  sumLogprob: number;
  avgLogprob: number;
  noSpeechProb: number;
}

function buildFilters(specials: WhisperSpecials, o: DecodeOptions): LogitFilter[] {
  const filters: LogitFilter[] = [];
  if (o.suppressBlank) filters.push(new SuppressBlank([...o.blankTokens, specials.eot]));
  if (o.suppressTokens.length > 0) filters.push(new SuppressTokens(o.suppressTokens));
  if (!o.withoutTimestamps) filters.push(new ApplyTimestampRules(specials, o.maxInitialTimestampIndex));
  return filters;
}

function softmaxAt(row: Float32Array, token: number): number {
  return Math.exp(row[token]! - logSumExp(row));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

let scratch = new Float64Array(0);

/** Sample from softmax(row / T): one exp pass into a reused buffer. */
function sample(row: Float32Array, temperature: number, random: () => number): number {
  if (scratch.length < row.length) scratch = new Float64Array(row.length);
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  let sum = 0;
  const inv = 1 / temperature;
  for (let i = 0; i < row.length; i++) {
    const p = row[i] === -Infinity ? 0 : Math.exp((row[i]! - max) * inv);
    scratch[i] = p;
    sum += p;
  }
  let r = random() * sum;
  let last = 0;
  for (let i = 0; i < row.length; i++) {
    const p = scratch[i]!;
    if (p === 0) continue;
    last = i;
    r -= p;
    if (r <= 0) return i;
  }
  return last;
}

/**
 * Decode nAudio rows (audio i is row i of the session's encoder output) with one prompt.
 * Returns one result per audio.
 */
export async function decodeRows(
  session: DecoderSession,
  specials: WhisperSpecials,
  prompt: Int32Array,
  sotIndex: number,
  nAudio: number,
  o: DecodeOptions,
): Promise<DecodedRow[]> {
  const useBeam = o.temperature === 0 && o.beamSize > 1;
  const group = useBeam ? o.beamSize : o.temperature > 0 ? Math.max(1, o.bestOf) : 1;
  const filters = buildFilters(specials, o);
  const V = session.vocabSize;
  const sources = new Int32Array(nAudio * group);
  for (let i = 0; i < sources.length; i++) sources[i] = Math.floor(i / group);
  throwIfAborted(o.signal);
  const first = await session.start(prompt, sotIndex, sources);
  const noSpeech = new Float64Array(nAudio);
  for (let a = 0; a < nAudio; a++) noSpeech[a] = softmaxAt(first.atSot.subarray(a * group * V, (a * group + 1) * V), specials.noSpeech);
  const run = useBeam
    ? beamLoop(session, specials, filters, first.last, nAudio, o)
    : sampleLoop(session, specials, filters, first.last, nAudio, group, o);
  const rows = await run;
  return rows.map((r, a) => ({ ...r, avgLogprob: r.sumLogprob / (r.tokens.length + 1), noSpeechProb: noSpeech[a]! }));
}

interface Hypothesis {
  tokens: number[];
  sumLogprob: number;
}

/** Greedy (group 1, T = 0) or sampling with best_of rows per audio; finished rows leave the batch. */
async function sampleLoop(
  session: DecoderSession,
  specials: WhisperSpecials,
  filters: LogitFilter[],
  firstLogits: Float32Array,
  nAudio: number,
  group: number,
  o: DecodeOptions,
): Promise<Hypothesis[]> {
  const V = session.vocabSize;
  const n = nAudio * group;
  const hyps: Hypothesis[] = Array.from({ length: n }, () => ({ tokens: [], sumLogprob: 0 }));
  const done: boolean[] = new Array<boolean>(n).fill(false);
  let live = Int32Array.from({ length: n }, (_, i) => i); // live[r] = hypothesis of session row r
  let logits = firstLogits;
  let picked: GreedyStep | null = null;
  // Greedy without timestamp rules: after the first step (SuppressBlank's only one) the
  // suppressed tokens are the whole filter, so the graph can pick (decoder-graph.ts, edit 3).
  const suppress = o.temperature === 0 && group === 1 && o.withoutTimestamps && session.greedyInGraph && session.stepGreedy ? Int32Array.from(o.suppressTokens) : null;
  const next = new Int32Array(n);
  for (let stepNo = 0; ; stepNo++) {
    let keep = 0;
    for (let r = 0; r < live.length; r++) {
      const h = hyps[live[r]!]!;
      let token: number;
      if (picked) {
        token = picked.tokens[r]!;
        h.sumLogprob += picked.logprobs[r]!;
      } else {
        const row = logits.subarray(r * V, (r + 1) * V);
        for (const f of filters) f.apply(row, h.tokens);
        token = o.temperature === 0 ? argmax(row) : sample(row, o.temperature, o.random);
        // Greedy: the chosen logit is the row's maximum, which saves a pass over the vocabulary.
        h.sumLogprob += row[token]! - (o.temperature === 0 ? logSumExpFromMax(row, row[token]!) : logSumExp(row));
      }
      if (token === specials.eot) done[live[r]!] = true;
      else {
        h.tokens.push(token);
        if (h.tokens.length >= o.sampleLen) done[live[r]!] = true;
      }
      next[r] = token;
      if (!done[live[r]!]) keep++;
    }
    if (keep === 0) break;
    if (keep < live.length) {
      const rows = new Int32Array(keep);
      const nextLive = new Int32Array(keep);
      let j = 0;
      for (let r = 0; r < live.length; r++) {
        if (done[live[r]!]) continue;
        rows[j] = r;
        nextLive[j] = live[r]!;
        next[j] = next[r]!;
        j++;
      }
      session.reorder(rows);
      live = nextLive;
    }
    throwIfAborted(o.signal);
    if (suppress) picked = await session.stepGreedy!(next.subarray(0, live.length), suppress);
    else logits = await session.step(next.subarray(0, live.length));
  }
  // best_of: the highest length-normalised log probability per audio (MaximumLikelihoodRanker).
  const out: Hypothesis[] = [];
  for (let a = 0; a < nAudio; a++) {
    let best = hyps[a * group]!;
    for (let g = 1; g < group; g++) {
      const h = hyps[a * group + g]!;
      if (rank(h) > rank(best)) best = h;
    }
    out.push(best);
  }
  return out;
}

function rank(h: Hypothesis): number {
  return h.sumLogprob / Math.max(1, h.tokens.length);
}

/** openai/whisper BeamSearchDecoder (patience 1); an audio leaves the batch once it has beamSize finished sequences. */
async function beamLoop(
  session: DecoderSession,
  specials: WhisperSpecials,
  filters: LogitFilter[],
  firstLogits: Float32Array,
  nAudio: number,
  o: DecodeOptions,
): Promise<Hypothesis[]> {
  const V = session.vocabSize;
  const B = o.beamSize;
  const finished: Array<Map<string, Hypothesis>> = Array.from({ length: nAudio }, () => new Map());
  // Session rows: beams of the audios still running, B rows each, in audio order.
  let audios = Array.from({ length: nAudio }, (_, a) => a);
  let beams: Hypothesis[] = Array.from({ length: nAudio * B }, () => ({ tokens: [], sumLogprob: 0 }));
  let logits = firstLogits;
  for (;;) {
    const nextBeams: Hypothesis[] = [];
    const sourceRows: number[] = [];
    const nextTokens: number[] = [];
    const nextAudios: number[] = [];
    for (let ai = 0; ai < audios.length; ai++) {
      const a = audios[ai]!;
      const candidates = new Map<string, { h: Hypothesis; source: number }>();
      for (let j = 0; j < B; j++) {
        const r = ai * B + j;
        const h = beams[r]!;
        const row = logits.subarray(r * V, (r + 1) * V);
        for (const f of filters) f.apply(row, h.tokens);
        const lse = logSumExp(row);
        for (const t of topK(row, B + 1)) {
          const tokens = [...h.tokens, t];
          candidates.set(tokens.join(','), { h: { tokens, sumLogprob: h.sumLogprob + row[t]! - lse }, source: r });
        }
      }
      const ranked = [...candidates.values()].sort((x, y) => y.h.sumLogprob - x.h.sumLogprob);
      const kept: Array<{ h: Hypothesis; source: number }> = [];
      const newlyFinished: Hypothesis[] = [];
      for (const c of ranked) {
        if (c.h.tokens[c.h.tokens.length - 1] === specials.eot) newlyFinished.push({ tokens: c.h.tokens.slice(0, -1), sumLogprob: c.h.sumLogprob });
        else {
          kept.push(c);
          if (kept.length === B) break;
        }
      }
      const fin = finished[a]!;
      for (const h of newlyFinished) {
        if (fin.size >= B) break;
        fin.set(h.tokens.join(','), h);
      }
      // Sequences at the length limit are finished as they stand (openai finalize()).
      const atLimit = kept.length > 0 && kept[0]!.h.tokens.length >= o.sampleLen;
      if (fin.size >= B || atLimit || kept.length < B) {
        if (fin.size < B) for (const c of kept) if (fin.size < B) fin.set(c.h.tokens.join(','), c.h);
        continue;
      }
      nextAudios.push(a);
      for (const c of kept) {
        nextBeams.push(c.h);
        sourceRows.push(c.source);
        nextTokens.push(c.h.tokens[c.h.tokens.length - 1]!);
      }
    }
    if (nextAudios.length === 0) break;
    session.reorder(Int32Array.from(sourceRows));
    beams = nextBeams;
    audios = nextAudios;
    throwIfAborted(o.signal);
    logits = await session.step(Int32Array.from(nextTokens));
  }
  return finished.map((fin) => {
    let best: Hypothesis | null = null;
    for (const h of fin.values()) if (best === null || rank(h) > rank(best)) best = h;
    return best ?? { tokens: [], sumLogprob: 0 };
  });
}
