/**
 * Whisper over batches of chunks (WhisperX's batched ASR, openai/whisper's decoding
 * rules): prompt building, language detection on the first chunk, temperature fallback,
 * no-speech skipping and timestamp segments.
 */
import { deflateSync } from 'node:zlib';
import { seededRandom } from '../../core/random';
import type { Segment } from '../types';
import { decodeRows, type DecodedRow, type DecoderSession, type DecodeOptions, type GreedyStep } from './decoding';
import { TIME_PRECISION, type WhisperTokenizer } from './tokenizer';

export interface WhisperDecodingOptions {
  /** null: detect on the first chunk (multilingual models), English-only models ignore it. */
  language: string | null;
  task: 'transcribe' | 'translate';
  beamSize: number;
  bestOf: number;
  temperatures: number[];
  compressionRatioThreshold: number | null;
  logProbThreshold: number | null;
  noSpeechThreshold: number | null;
  withoutTimestamps: boolean;
  maxInitialTimestampS: number | null;
  initialPrompt: string | null;
  /** [-1] = the model's non-speech set. */
  suppressTokens: number[];
  suppressBlank: boolean;
  /** Most tokens sampled per chunk (openai sample_len); null = n_text_ctx / 2. */
  sampleLen: number | null;
  seed: number;
}

export const defaultDecodingOptions: WhisperDecodingOptions = {
  language: null,
  task: 'transcribe',
  beamSize: 5,
  bestOf: 5,
  temperatures: [0, 0.2, 0.4, 0.6, 0.8, 1.0],
  compressionRatioThreshold: 2.4,
  logProbThreshold: -1.0,
  noSpeechThreshold: 0.6,
  withoutTimestamps: true,
  maxInitialTimestampS: 1.0,
  initialPrompt: null,
  suppressTokens: [-1],
  suppressBlank: true,
  sampleLen: null,
  seed: 0,
};

/** What the transcriber needs of a model: a decoder session per encoder batch. */
export interface DecoderFactory<E> {
  decoderSession(enc: E): DecoderSession;
  readonly shape: { maxTargetPositions: number };
}

export interface ChunkSpan {
  start: number;
  end: number;
}

export interface ChunkResult {
  segments: Segment[];
  /** The chunk's decode (after fallback), for diagnostics and tests. */
  decoded: DecodedRow & { temperature: number; compressionRatio: number; text: string; skipped: boolean };
}

export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}

export class WhisperTranscriber<E> {
  constructor(
    private readonly model: DecoderFactory<E>,
    readonly tokenizer: WhisperTokenizer,
  ) {}

  /** Language of encoder row `row` from the logits after SOT (openai detect_language). */
  async detectLanguage(enc: E, row = 0): Promise<{ language: string; probability: number }> {
    const tok = this.tokenizer;
    const session = this.model.decoderSession(enc);
    try {
      const { atSot } = await session.start(Int32Array.of(tok.specials.sot), 0, Int32Array.of(row));
      let best = '';
      let bestV = -Infinity;
      let max = -Infinity;
      for (const t of tok.languages.values()) max = Math.max(max, atSot[t]!);
      let sum = 0;
      for (const [code, t] of tok.languages) {
        sum += Math.exp(atSot[t]! - max);
        if (atSot[t]! > bestV) {
          bestV = atSot[t]!;
          best = code;
        }
      }
      return { language: best, probability: Math.exp(bestV - max) / sum };
    } finally {
      session.end();
    }
  }

  /** SOT sequence (+ initial prompt before it) and the index of SOT in it. */
  prompt(o: Pick<WhisperDecodingOptions, 'language' | 'task' | 'withoutTimestamps' | 'initialPrompt'>): { tokens: Int32Array; sotIndex: number } {
    const tok = this.tokenizer;
    const s = tok.specials;
    const seq: number[] = [s.sot];
    if (tok.multilingual) {
      seq.push(tok.languageToken(o.language ?? 'en'));
      seq.push(o.task === 'translate' ? s.translate : s.transcribe);
    }
    if (o.withoutTimestamps) seq.push(s.noTimestamps);
    const prev: number[] = [];
    if (o.initialPrompt && o.initialPrompt.trim()) {
      const maxPrev = Math.floor(this.model.shape.maxTargetPositions / 2) - 1;
      prev.push(s.sotPrev, ...tok.encode(' ' + o.initialPrompt.trim()).slice(-maxPrev));
    }
    return { tokens: Int32Array.from([...prev, ...seq]), sotIndex: prev.length };
  }

  /**
   * Transcribe rows 0..n-1 of one encoder batch (chunk i = row i). The language must be
   * settled first (detectLanguage) for multilingual models.
   */
  async transcribeBatch(enc: E, chunks: ChunkSpan[], o: WhisperDecodingOptions, signal?: AbortSignal): Promise<ChunkResult[]> {
    const tok = this.tokenizer;
    const { tokens: prompt, sotIndex } = this.prompt(o);
    const maxTarget = this.model.shape.maxTargetPositions;
    const sampleLen = Math.max(1, Math.min(o.sampleLen ?? Math.floor(maxTarget / 2), maxTarget - prompt.length));
    const random = seededRandom(o.seed);
    const base: Omit<DecodeOptions, 'temperature'> = {
      beamSize: o.beamSize,
      bestOf: o.bestOf,
      sampleLen,
      withoutTimestamps: o.withoutTimestamps,
      maxInitialTimestampIndex: o.maxInitialTimestampS === null ? null : Math.round(o.maxInitialTimestampS / TIME_PRECISION),
      suppressTokens: tok.suppressTokens(o.suppressTokens),
      suppressBlank: o.suppressBlank,
      blankTokens: tok.encode(' '),
      random,
      signal,
    };
    const results: Array<ChunkResult['decoded'] | null> = chunks.map(() => null);
    let pending = chunks.map((_, i) => i);
    const temps = o.temperatures.length > 0 ? o.temperatures : [0];
    for (let ti = 0; ti < temps.length && pending.length > 0; ti++) {
      const temperature = temps[ti]!;
      const rows = await this.decodeSubset(enc, pending, prompt, sotIndex, { ...base, temperature });
      const stillPending: number[] = [];
      rows.forEach((r, k) => {
        const i = pending[k]!;
        const text = tok.decode(r.tokens);
        const cr = compressionRatio(text);
        let needsFallback = false;
        if (o.compressionRatioThreshold !== null && cr > o.compressionRatioThreshold) needsFallback = true;
        if (o.logProbThreshold !== null && r.avgLogprob < o.logProbThreshold) needsFallback = true;
        // Silence is not worth a retry at a higher temperature.
        if (o.noSpeechThreshold !== null && r.noSpeechProb > o.noSpeechThreshold && o.logProbThreshold !== null && r.avgLogprob < o.logProbThreshold)
          needsFallback = false;
        results[i] = { ...r, temperature, compressionRatio: cr, text, skipped: false };
        if (needsFallback && ti < temps.length - 1) stillPending.push(i);
      });
      pending = stillPending;
    }
    return chunks.map((chunk, i) => {
      const d = results[i]!;
      let skip = false;
      if (o.noSpeechThreshold !== null) {
        skip = d.noSpeechProb > o.noSpeechThreshold;
        if (o.logProbThreshold !== null && d.avgLogprob > o.logProbThreshold) skip = false;
      }
      d.skipped = skip;
      return { segments: skip ? [] : this.segmentsOf(d, chunk, o.withoutTimestamps), decoded: d };
    });
  }

  /** Decode some rows of the encoder batch: the session gathers just those rows. */
  private async decodeSubset(enc: E, rows: number[], prompt: Int32Array, sotIndex: number, o: DecodeOptions): Promise<DecodedRow[]> {
    const session = this.model.decoderSession(enc);
    try {
      return await decodeRows(new SubsetSession(session, Int32Array.from(rows)), this.tokenizer.specials, prompt, sotIndex, rows.length, o);
    } finally {
      session.end();
    }
  }

  /** openai/whisper's split of a timestamped decode into segments, offset by the chunk start. */
  segmentsOf(d: DecodedRow & { temperature: number; compressionRatio: number; text: string }, chunk: ChunkSpan, withoutTimestamps: boolean): Segment[] {
    const tok = this.tokenizer;
    const tsBegin = tok.specials.timestampBegin;
    const common = { avg_logprob: d.avgLogprob, no_speech_prob: d.noSpeechProb, compression_ratio: d.compressionRatio, temperature: d.temperature };
    const make = (start: number, end: number, tokens: number[]): Segment => ({
      id: 0,
      start: round3(start),
      end: round3(end),
      text: tok.decode(tokens),
      tokens,
      ...common,
    });
    const tokens = d.tokens;
    if (withoutTimestamps) return d.text.trim() ? [make(chunk.start, chunk.end, tokens)] : [];
    const isTs = tokens.map((t) => t >= tsBegin);
    const out: Segment[] = [];
    const consecutive: number[] = [];
    for (let i = 1; i < tokens.length; i++) if (isTs[i - 1] && isTs[i]) consecutive.push(i);
    const chunkDur = chunk.end - chunk.start;
    if (consecutive.length > 0) {
      const singleEnding = tokens.length >= 2 && !isTs[tokens.length - 2] && isTs[tokens.length - 1];
      const slices = [...consecutive];
      if (singleEnding) slices.push(tokens.length);
      let last = 0;
      for (const cur of slices) {
        const sliced = tokens.slice(last, cur);
        out.push(make(chunk.start + (sliced[0]! - tsBegin) * TIME_PRECISION, chunk.start + (sliced[sliced.length - 1]! - tsBegin) * TIME_PRECISION, sliced));
        last = cur;
      }
      // Text after the last pair has no closing timestamp inside this chunk: it ends with the chunk.
      const rest = tokens.slice(last);
      if (rest.some((t) => t < tok.specials.eot)) {
        const startPos = rest[0]! >= tsBegin ? rest[0]! - tsBegin : (tokens[last - 1] ?? tsBegin) - tsBegin;
        out.push(make(chunk.start + startPos * TIME_PRECISION, chunk.end, rest));
      }
    } else {
      let duration = chunkDur;
      const stamps = tokens.filter((t) => t >= tsBegin);
      if (stamps.length > 0 && stamps[stamps.length - 1] !== tsBegin) duration = (stamps[stamps.length - 1]! - tsBegin) * TIME_PRECISION;
      out.push(make(chunk.start, chunk.start + duration, tokens));
    }
    return out.filter((s) => s.text.trim().length > 0).map((s) => ({ ...s, end: Math.min(Math.max(s.end, s.start), round3(Math.max(chunk.end, s.start))) }));
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Presents chosen encoder rows as rows 0..k-1 to the decode loop. */
class SubsetSession implements DecoderSession {
  constructor(
    private readonly inner: DecoderSession,
    private readonly rows: Int32Array,
  ) {}
  get vocabSize(): number {
    return this.inner.vocabSize;
  }
  start(prompt: Int32Array, sotIndex: number, rowSources: Int32Array) {
    const mapped = new Int32Array(rowSources.length);
    for (let i = 0; i < rowSources.length; i++) mapped[i] = this.rows[rowSources[i]!]!;
    return this.inner.start(prompt, sotIndex, mapped);
  }
  get greedyInGraph(): boolean {
    return this.inner.greedyInGraph === true && this.inner.stepGreedy !== undefined;
  }
  step(tokens: Int32Array) {
    return this.inner.step(tokens);
  }
  stepGreedy(tokens: Int32Array, suppress: Int32Array): Promise<GreedyStep> {
    if (!this.inner.stepGreedy) throw new Error('the decoder session picks no greedy tokens itself');
    return this.inner.stepGreedy(tokens, suppress);
  }
  reorder(rows: Int32Array) {
    this.inner.reorder(rows);
  }
  end() {
    this.inner.end();
  }
}
