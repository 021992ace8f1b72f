/**
 * A Whisper model in the onnx-community / Xenova layout on onnxruntime-node: the encoder
 * and the merged decoder (one graph, `If` on use_cache_branch). Tensor dtypes and cache
 * shapes come from session.inputMetadata, so fp32, fp16 and int8 exports all run here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { ConsoleError } from '../../core/errors';
import { GREEDY, rewriteDecoder } from './decoder-graph';
import { rewriteEncoder } from './encoder-graph';
import { onnxSkeleton } from './onnx-skeleton';
import type { DecoderSession, GreedyStep, StartLogits } from './decoding';
import { floatArrayToHalf, halfArrayToFloat } from './half';
import { SelfAttentionCache } from './self-cache';

type Tensor = ort.Tensor;
type FloatData = Float32Array | Uint16Array;

export interface ModelShape {
  nMels: number;
  chunkLengthS: number;
  nFrames: number;
  /** n_text_ctx: prompt + sampled tokens must fit. */
  maxTargetPositions: number;
  decoderLayers: number;
  heads: number;
  headDim: number;
  vocabSize: number;
}

interface CacheInput {
  name: string;
  layer: number;
  side: 'decoder' | 'encoder';
  kind: 'key' | 'value';
}

export interface EncoderOutput {
  /** [n, T_enc, d_model] in the encoder's output dtype. */
  data: FloatData;
  dtype: 'float32' | 'float16';
  n: number;
  rowSize: number;
  dims: number[];
}

function tensorMeta(s: ort.InferenceSession, name: string, outputs = false): ort.InferenceSession.TensorValueMetadata | null {
  const m = (outputs ? s.outputMetadata : s.inputMetadata).find((x) => x.name === name);
  return m && m.isTensor ? m : null;
}

/** Gather rows (first-axis slices of rowSize elements) into a new array. */
function gatherRows<T extends FloatData>(src: T, rowSize: number, rows: Int32Array): T {
  const out = new (src.constructor as new (n: number) => T)(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i]! * rowSize, (rows[i]! + 1) * rowSize), i * rowSize);
  return out;
}

function sameRows(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Time spent inside onnxruntime, to tell model time from the JS around it. */
export interface OrtRunStats {
  encoderMs: number;
  decoderMs: number;
  decoderRuns: number;
  /** Decoder runs whose greedy tokens the graph picked (decoder-graph.ts, edit 3). */
  decoderGreedyRuns: number;
}

export class WhisperOnnxModel {
  readonly shape: ModelShape;
  readonly stats: OrtRunStats = { encoderMs: 0, decoderMs: 0, decoderRuns: 0, decoderGreedyRuns: 0 };
  /**
   * Chunks per encoder run (0 = the whole batch). The encoder's attention scores are
   * [B, heads, 1500, 1500] floats (288 MB per tensor for tiny at B = 8), and on CPU its
   * GEMMs are large even at B = 1, so CPU runs encode one chunk at a time and batch only
   * the decoder, where batching pays.
   */
  encoderBatch = 0;
  readonly encoderDtype: 'float32' | 'float16';
  readonly cacheDtype: 'float32' | 'float16';
  private readonly cacheInputs: CacheInput[];

  private constructor(
    readonly encoder: ort.InferenceSession,
    readonly decoder: ort.InferenceSession,
    shape: ModelShape,
    /** What was changed in the decoder graph at load, or why nothing (decoder-graph.ts). */
    readonly graphRewrite: GraphRewrite,
  ) {
    this.shape = shape;
    const feat = tensorMeta(encoder, 'input_features');
    if (!feat) throw invalid('the encoder has no input_features input');
    this.encoderDtype = feat.type === 'float16' ? 'float16' : 'float32';
    const names = decoder.inputMetadata.map((m) => m.name);
    const known = new Set(['input_ids', 'encoder_hidden_states', 'use_cache_branch', ...(graphRewrite.greedyHead ? [GREEDY.mask] : [])]);
    this.cacheInputs = [];
    for (const n of names) {
      const m = /^past_key_values\.(\d+)\.(decoder|encoder)\.(key|value)$/.exec(n);
      if (m) this.cacheInputs.push({ name: n, layer: Number(m[1]), side: m[2] as 'decoder' | 'encoder', kind: m[3] as 'key' | 'value' });
      else if (!known.has(n)) throw invalid(`the merged decoder has an input this engine does not feed: ${n}`);
    }
    for (const n of ['input_ids', 'encoder_hidden_states', 'use_cache_branch'])
      if (!names.includes(n)) throw invalid(`the merged decoder lacks the ${n} input (is it decoder_model_merged*.onnx?)`);
    const first = tensorMeta(decoder, this.cacheInputs[0]?.name ?? '');
    this.cacheDtype = first?.type === 'float16' ? 'float16' : 'float32';
  }

  /**
   * Open both sessions; the caller picks the files and the session options (EP, threads).
   * `rewrite` (default on) lets a CPU session take both graphs edited where they have the
   * patterns for it (encoder-graph.ts, decoder-graph.ts).
   */
  static async load(dir: string, encoderFile: string, decoderFile: string, options: ort.InferenceSession.SessionOptions, rewrite = true): Promise<WhisperOnnxModel> {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, number | undefined>;
    // No arena for the encoder: its few huge activations go back to the OS after each run
    // instead of pinning peak memory for the life of the session.
    const enc = await openEncoder(encoderFile, { ...options, enableCpuMemArena: false }, rewrite, config.encoder_attention_heads ?? 0);
    const encoder = enc.session;
    let opened: { session: ort.InferenceSession; rewrite: DecoderGraphRewrite };
    try {
      opened = await openDecoder(decoderFile, options, rewrite);
    } catch (e) {
      await encoder.release();
      throw e;
    }
    const decoder = opened.session;
    const pre = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')) as Record<string, number | undefined>;
    const past = tensorMeta(decoder, 'past_key_values.0.decoder.key');
    const logits = tensorMeta(decoder, 'logits', true);
    const numOr = (v: unknown, d: number) => (typeof v === 'number' ? v : d);
    const heads = numOr(past?.shape[1], numOr(config.decoder_attention_heads, 0));
    const headDim = numOr(past?.shape[3], heads > 0 ? numOr(config.d_model, 0) / heads : 0);
    const chunkLengthS = numOr(pre.chunk_length, 30);
    const shape: ModelShape = {
      nMels: numOr(config.num_mel_bins, numOr(pre.feature_size, 80)),
      chunkLengthS,
      nFrames: numOr(pre.nb_max_frames, (chunkLengthS * 16000) / 160),
      maxTargetPositions: numOr(config.max_target_positions, 448),
      decoderLayers: numOr(config.decoder_layers, 0),
      heads,
      headDim,
      vocabSize: numOr(logits?.shape[2], numOr(config.vocab_size, 0)),
    };
    try {
      return new WhisperOnnxModel(encoder, decoder, shape, { ...opened.rewrite, encoderSummary: enc.summary });
    } catch (e) {
      await Promise.all([encoder.release(), decoder.release()]);
      throw e;
    }
  }

  /** features: [n, nMels, nFrames] float32 → one output for all n (sub-batched by encoderBatch). */
  async encode(features: Float32Array, n: number): Promise<EncoderOutput> {
    const { nMels, nFrames } = this.shape;
    const rowIn = nMels * nFrames;
    const step = this.encoderBatch > 0 ? this.encoderBatch : n;
    let data: FloatData | null = null;
    let dims: number[] = [];
    let dtype: 'float32' | 'float16' = 'float32';
    for (let b = 0; b < n; b += step) {
      const k = Math.min(step, n - b);
      const slice = features.subarray(b * rowIn, (b + k) * rowIn);
      const input = new ort.Tensor(this.encoderDtype, this.encoderDtype === 'float16' ? floatArrayToHalf(slice) : slice, [k, nMels, nFrames]);
      const t0 = performance.now();
      const out = await this.encoder.run({ input_features: input });
      this.stats.encoderMs += performance.now() - t0;
      const hidden = out.last_hidden_state ?? Object.values(out)[0]!;
      const part = hidden.data as FloatData;
      if (k === n) {
        data = part;
      } else {
        const rowSize = part.length / k;
        data ??= new (part.constructor as new (len: number) => FloatData)(n * rowSize);
        data.set(part, b * rowSize);
      }
      dims = [n, ...hidden.dims.slice(1)];
      dtype = hidden.type === 'float16' ? 'float16' : 'float32';
    }
    return { data: data!, dtype, n, rowSize: dims.slice(1).reduce((x, y) => x * y, 1), dims };
  }

  /** A decoding pass over (a subset of) one encoder batch. */
  decoderSession(enc: EncoderOutput): DecoderSession {
    return new OnnxDecoderSession(this, enc, this.cacheInputs);
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}

export interface GraphRewrite {
  /** Inputs fed as [batch, heads, head_dim, frames] instead of [batch, heads, frames, head_dim]. */
  transposedKeys: ReadonlySet<string>;
  /** past_key_values.N.decoder.X → the output holding each step's own rows (the cache is grown here, not fetched whole). */
  stepOutputs: ReadonlyMap<string, string>;
  /** Whether the decoder has the greedy head (greedy_token / greedy_logprob from logits + logits_mask). */
  greedyHead: boolean;
  /** One line for /api/v1/model/info: what was done to the decoder, or why nothing. */
  summary: string;
  /** The same for the encoder (encoder-graph.ts). */
  encoderSummary: string;
}

type DecoderGraphRewrite = Omit<GraphRewrite, 'encoderSummary'>;

/** Why a graph is loaded as exported before looking at it, or null when it may be rewritten. */
function rewriteRefused(options: ort.InferenceSession.SessionOptions, allowed: boolean): string | null {
  if (!allowed) return 'rewrite turned off';
  if (usesCuda(options)) return 'the rewrite is for the CPU kernels; CUDA sessions take the graph as exported';
  return null;
}

/**
 * The graph of `file` without its weights (onnx-skeleton.ts) and the session options that
 * let onnxruntime load an edited copy from memory, reading the weights from the file's folder.
 */
function skeletonOf(file: string, options: ort.InferenceSession.SessionOptions): { bytes: Uint8Array; options: ort.InferenceSession.SessionOptions } | { why: string } {
  let bytes: Uint8Array;
  try {
    bytes = onnxSkeleton(file).model;
  } catch (e) {
    return { why: `the file could not be read for the rewrite: ${(e as Error).message}` };
  }
  const extra = (options.extra ?? {}) as Record<string, unknown>;
  const session = { ...((extra.session as Record<string, unknown> | undefined) ?? {}), model_external_initializers_file_folder_path: dirname(file) };
  return { bytes, options: { ...options, extra: { ...extra, session } } };
}

/**
 * The encoder, its self-attention fused into onnxruntime's MultiHeadAttention where the
 * graph has the pattern (encoder-graph.ts); otherwise (or if that graph will not load) as it is.
 */
async function openEncoder(file: string, options: ort.InferenceSession.SessionOptions, allowed: boolean, heads: number): Promise<{ session: ort.InferenceSession; summary: string }> {
  const refused = rewriteRefused(options, allowed);
  const skeleton = refused === null ? skeletonOf(file, options) : { why: refused };
  let why: string;
  if ('why' in skeleton) why = skeleton.why;
  else {
    const r = rewriteEncoder(skeleton.bytes, heads);
    if (r.ok) {
      try {
        const session = await ort.InferenceSession.create(r.rewrite.model, skeleton.options);
        return { session, summary: `self-attention fused into MultiHeadAttention (${r.rewrite.fused} layer${r.rewrite.fused === 1 ? '' : 's'})` };
      } catch (e) {
        why = `the rewritten graph did not load (${(e as Error).message.split('\n')[0]})`;
      }
    } else why = r.why;
  }
  return { session: await ort.InferenceSession.create(file, options), summary: `encoder loaded as exported: ${why}` };
}

function usesCuda(options: ort.InferenceSession.SessionOptions): boolean {
  return (options.executionProviders ?? []).some((ep) => (typeof ep === 'string' ? ep : ep.name) === 'cuda');
}

/**
 * The merged decoder, rewritten when allowed where the graph has the patterns
 * (decoder-graph.ts: cross-attention keys pre-transposed, each step's own self-attention
 * rows returned); otherwise (or if the rewritten graph will not load) as it is.
 * onnxruntime's MatMulScaleFusion is turned off when the keys are transposed: folded into
 * the product as alpha ≠ 1, the attention scale sends MLAS back to packing the keys.
 */
async function openDecoder(file: string, options: ort.InferenceSession.SessionOptions, allowed: boolean): Promise<{ session: ort.InferenceSession; rewrite: DecoderGraphRewrite }> {
  const none = (why: string) => ({ transposedKeys: new Set<string>(), stepOutputs: new Map<string, string>(), greedyHead: false, summary: `decoder loaded as exported: ${why}` });
  const refused = rewriteRefused(options, allowed);
  const skeleton = refused === null ? skeletonOf(file, options) : { why: refused };
  let why: string;
  if ('why' in skeleton) why = skeleton.why;
  else {
    const r = rewriteDecoder(skeleton.bytes);
    if (r.ok) {
      const { transposedInputs, keysWhy, stepOutputs, stepWhy, greedyHead, greedyWhy } = r.rewrite;
      let sessionOptions = skeleton.options;
      if (transposedInputs.length > 0) {
        const extra = (sessionOptions.extra ?? {}) as Record<string, unknown>;
        const optimization = { ...((extra.optimization as Record<string, unknown> | undefined) ?? {}), disable_specified_optimizers: 'MatMulScaleFusion' };
        sessionOptions = { ...sessionOptions, extra: { ...extra, optimization } };
      }
      try {
        const session = await ort.InferenceSession.create(r.rewrite.model, sessionOptions);
        const n = transposedInputs.length;
        const keys = keysWhy ? `cross-attention keys read as exported (${keysWhy})` : `cross-attention keys pre-transposed after step 1 (${n} layer${n === 1 ? '' : 's'})`;
        const steps = stepWhy ? `self-attention cache fetched whole each step (${stepWhy})` : `self-attention cache grown in place (${stepOutputs.size} tensors)`;
        const greedy = greedyWhy ? `greedy tokens picked in JS (${greedyWhy})` : 'greedy tokens picked in the graph';
        return { session, rewrite: { transposedKeys: new Set(transposedInputs), stepOutputs, greedyHead, summary: `${keys}; ${steps}; ${greedy}` } };
      } catch (e) {
        why = `the rewritten graph did not load (${(e as Error).message.split('\n')[0]})`;
      }
    } else why = r.why;
  }
  return { session: await ort.InferenceSession.create(file, options), rewrite: none(why) };
}

function invalid(why: string): ConsoleError {
  return new ConsoleError('model_onnx_invalid', `The model's ONNX files do not have the Whisper layout: ${why}.`, {
    hint: 'Use an onnx-community / Xenova Whisper export (encoder_model*.onnx + decoder_model_merged*.onnx).',
    status: 500,
  });
}

class OnnxDecoderSession implements DecoderSession {
  readonly vocabSize: number;
  private hidden: FloatData;
  /** Which audio each current row reads; the encoder-side tensors follow it. */
  private rowAudio = new Int32Array(0);
  private cache = new Map<string, Tensor>();
  /** Decoder-side caches grown here from each step's own rows (when the graph returns them). */
  private grown = new Map<string, SelfAttentionCache>();
  private readonly falseFlag = new ort.Tensor('bool', new Uint8Array([0]), [1]);
  private readonly trueFlag = new ort.Tensor('bool', new Uint8Array([1]), [1]);
  /** What each step after the first fetches. */
  private readonly stepFetches: string[];
  /** The same, with the greedy head's two outputs instead of the logits. */
  private readonly greedyFetches: string[];
  /** A decoder with the greedy head needs its logits_mask fed on every run: zeros when unused. */
  private readonly noMask: Tensor | null;
  /** The mask of the last suppression list asked for (decodeRows passes the same array every step). */
  private mask: { ids: Int32Array; tensor: Tensor } | null = null;

  constructor(
    private readonly model: WhisperOnnxModel,
    private readonly enc: EncoderOutput,
    private readonly cacheInputs: CacheInput[],
  ) {
    this.vocabSize = model.shape.vocabSize;
    this.hidden = enc.data;
    // Only the decoder side is fetched after step 1: the encoder presents are empty
    // placeholders in the with-past branch, and the step-1 encoder K/V must stay. A rewritten
    // decoder gives each step's own rows, appended here, instead of the whole grown cache.
    const { stepOutputs } = model.graphRewrite;
    const cacheFetches = cacheInputs.filter((c) => c.side === 'decoder').map((c) => stepOutputs.get(c.name) ?? `present.${c.layer}.decoder.${c.kind}`);
    this.stepFetches = ['logits', ...cacheFetches];
    this.greedyFetches = [GREEDY.token, GREEDY.logprob, ...cacheFetches];
    this.noMask = model.graphRewrite.greedyHead ? new ort.Tensor('float32', new Float32Array(this.vocabSize), [this.vocabSize]) : null;
  }

  /** Greedy steps can be picked in the graph (decoder-graph.ts, edit 3). */
  get greedyInGraph(): boolean {
    return this.noMask !== null;
  }

  private count(t0: number): void {
    this.model.stats.decoderMs += performance.now() - t0;
    this.model.stats.decoderRuns++;
  }

  private logitsOf(t: Tensor): Float32Array {
    return t.type === 'float16' ? halfArrayToFloat(t.data as Uint16Array) : (t.data as Float32Array);
  }

  async start(prompt: Int32Array, sotIndex: number, rowSources: Int32Array): Promise<StartLogits> {
    const R = rowSources.length;
    const P = prompt.length;
    const { heads, headDim } = this.model.shape;
    this.rowAudio = Int32Array.from(rowSources);
    this.hidden = gatherRows(this.enc.data, this.enc.rowSize, rowSources);
    this.grown.clear();
    for (const c of this.cacheInputs) if (this.model.graphRewrite.stepOutputs.has(c.name)) this.grown.set(c.name, new SelfAttentionCache(heads, headDim));
    const ids = new BigInt64Array(R * P);
    for (let r = 0; r < R; r++) for (let p = 0; p < P; p++) ids[r * P + p] = BigInt(prompt[p]!);
    const dtype = this.model.cacheDtype;
    const empty = dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    const feeds: Record<string, Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [R, P]),
      encoder_hidden_states: new ort.Tensor(this.enc.dtype, this.hidden, [R, ...this.enc.dims.slice(1)]),
      use_cache_branch: this.falseFlag,
    };
    if (this.noMask) feeds[GREEDY.mask] = this.noMask;
    const transposed = this.model.graphRewrite.transposedKeys;
    for (const c of this.cacheInputs) feeds[c.name] = new ort.Tensor(dtype, empty, transposed.has(c.name) ? [R, heads, headDim, 0] : [R, heads, 0, headDim]);
    const t0 = performance.now();
    const out = await this.model.decoder.run(feeds);
    this.count(t0);
    this.keepPresent(out, true);
    const all = this.logitsOf(out.logits!);
    const V = this.vocabSize;
    const last = new Float32Array(R * V);
    const atSot = new Float32Array(R * V);
    for (let r = 0; r < R; r++) {
      last.set(all.subarray((r * P + P - 1) * V, (r * P + P) * V), r * V);
      atSot.set(all.subarray((r * P + sotIndex) * V, (r * P + sotIndex + 1) * V), r * V);
    }
    return { last, atSot };
  }

  /** Keep what a run returned for the next step: step 1 (no past) sets every cache, later steps extend the decoder side. */
  private keepPresent(out: ort.InferenceSession.OnnxValueMapType, firstStep: boolean): void {
    const { stepOutputs } = this.model.graphRewrite;
    for (const c of this.cacheInputs) {
      if (c.side === 'encoder' && !firstStep) continue;
      const grown = this.grown.get(c.name);
      if (grown && !firstStep) {
        const t = out[stepOutputs.get(c.name)!];
        if (!t) throw invalid(`the rewritten decoder returned no ${stepOutputs.get(c.name)}`);
        grown.append(t);
        continue;
      }
      const t = out[`present.${c.layer}.${c.side}.${c.kind}`];
      if (!t) throw invalid(`the merged decoder has no present.${c.layer}.${c.side}.${c.kind} output`);
      // A rewritten decoder returns step 1's encoder keys already transposed (decoder-graph.ts).
      if (grown) grown.reset(t);
      else this.cache.set(c.name, t);
    }
  }

  private stepFeeds(tokens: Int32Array, mask: Tensor | null): Record<string, Tensor> {
    const R = tokens.length;
    const ids = new BigInt64Array(R);
    for (let r = 0; r < R; r++) ids[r] = BigInt(tokens[r]!);
    const feeds: Record<string, Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [R, 1]),
      encoder_hidden_states: new ort.Tensor(this.enc.dtype, this.hidden, [R, ...this.enc.dims.slice(1)]),
      use_cache_branch: this.trueFlag,
    };
    if (mask) feeds[GREEDY.mask] = mask;
    for (const c of this.cacheInputs) feeds[c.name] = this.grown.get(c.name)?.tensor() ?? this.cache.get(c.name)!;
    return feeds;
  }

  async step(tokens: Int32Array): Promise<Float32Array> {
    const t0 = performance.now();
    const out = await this.model.decoder.run(this.stepFeeds(tokens, this.noMask), this.stepFetches);
    this.count(t0);
    this.keepPresent(out, false);
    return this.logitsOf(out.logits!);
  }

  async stepGreedy(tokens: Int32Array, suppress: Int32Array): Promise<GreedyStep> {
    if (!this.noMask) throw new Error('this decoder has no greedy head');
    if (this.mask?.ids !== suppress) {
      const m = new Float32Array(this.vocabSize);
      for (const t of suppress) if (t >= 0 && t < m.length) m[t] = -Infinity;
      this.mask = { ids: suppress, tensor: new ort.Tensor('float32', m, [m.length]) };
    }
    const t0 = performance.now();
    const out = await this.model.decoder.run(this.stepFeeds(tokens, this.mask.tensor), this.greedyFetches);
    this.count(t0);
    this.model.stats.decoderGreedyRuns++;
    this.keepPresent(out, false);
    const tok = out[GREEDY.token]!.data as BigInt64Array;
    const lp = out[GREEDY.logprob]!.data as Float32Array;
    const R = tokens.length;
    const next = new Int32Array(R);
    const logprobs = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      next[r] = Number(tok[r]);
      logprobs[r] = lp[r]!;
    }
    return { tokens: next, logprobs };
  }

  reorder(rows: Int32Array): void {
    const newAudio = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) newAudio[i] = this.rowAudio[rows[i]!]!;
    // Encoder-side tensors depend only on the audio: beams within a group keep theirs.
    const encoderMoves = !sameRows(newAudio, this.rowAudio);
    for (const c of this.cacheInputs) {
      if (c.side === 'encoder' && !encoderMoves) continue;
      const grown = this.grown.get(c.name);
      if (grown) {
        grown.reorder(rows);
        continue;
      }
      const t = this.cache.get(c.name)!;
      const dims = [...t.dims];
      const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
      const data = gatherRows(t.data as FloatData, rowSize, rows);
      this.cache.set(c.name, new ort.Tensor(t.type as 'float32' | 'float16', data, [rows.length, ...dims.slice(1)]));
    }
    if (encoderMoves) {
      const positions = new Int32Array(rows.length);
      for (let i = 0; i < rows.length; i++) positions[i] = rows[i]!;
      this.hidden = gatherRows(this.hidden, this.enc.rowSize, positions);
    }
    this.rowAudio = newAudio;
  }

  end(): void {
    this.cache.clear();
    for (const g of this.grown.values()) g.clear();
    this.grown.clear();
  }
}
