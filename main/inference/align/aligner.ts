/**
 * A wav2vec2-style CTC model folder on onnxruntime-node (the public Hugging Face / Xenova
 * layout): onnx/model.onnx (or model.onnx, or a quantized variant), vocab.json,
 * preprocessor_config.json, config.json.
 *
 * The input is normalised (zero mean, unit variance per slice) when preprocessor_config.json
 * says do_normalize, as Wav2Vec2Processor does. whisperx itself feeds the raw waveform; the two
 * agree for models that normalise in their graph (the demo model) or were trained without it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ConsoleError } from '../../core/errors';
import { listFiles } from '../catalog';

const SAMPLE_RATE = 16000;
/** wav2vec2's first convolution needs 400 samples; whisperx pads shorter slices with zeros. */
export const MIN_INPUT_SAMPLES = 400;
const INPUT_NAME = 'input_values';
const OUTPUT_NAME = 'logits';

/** Model files in order of preference: fp32 first (what the Python reference runs). */
export const alignModelFileCandidates = [
  'onnx/model.onnx',
  'model.onnx',
  'onnx/model_fp16.onnx',
  'onnx/model_quantized.onnx',
  'onnx/model_int8.onnx',
  'onnx/model_uint8.onnx',
] as const;

/** What the alignment stage needs from a model (an interface so tests can feed emissions). */
export interface CtcAligner {
  /** Lower-cased vocabulary → class id (whisperx's align_dictionary). */
  readonly dictionary: ReadonlyMap<string, number>;
  readonly blankId: number;
  /** Logits [frames, classes] of one mono 16 kHz slice (normalised here when the model wants it). */
  logits(samples: Float32Array): Promise<{ data: Float32Array; frames: number; classes: number }>;
  release(): Promise<void>;
}

export interface AlignFolderInfo {
  dir: string;
  found: boolean;
  /** Why the folder cannot be loaded, or null. */
  problem: string | null;
  /** The ONNX file that would be loaded, relative to dir. */
  modelFile: string | null;
  /** Every ONNX file found, relative to dir. */
  modelFiles: string[];
  vocabSize: number | null;
  blankId: number | null;
  hasWordSeparator: boolean | null;
  doNormalize: boolean | null;
  samplingRate: number | null;
  modelType: string | null;
  files: Array<{ path: string; bytes: number }>;
}

const folderHint = (dir: string) =>
  `An alignment model folder holds onnx/model.onnx (input_values → logits), vocab.json, preprocessor_config.json and config.json, as a wav2vec2 CTC model exported with optimum or transformers.js does; check ${dir} or choose another alignment model.`;

function readJsonObject(file: string): { value: Record<string, unknown> | null; error: string | null } {
  if (!existsSync(file)) return { value: null, error: 'missing' };
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { value: null, error: 'not a JSON object' };
    return { value: value as Record<string, unknown>, error: null };
  } catch (e) {
    return { value: null, error: `not valid JSON (${(e as Error).message})` };
  }
}

/** whisperx's align_dictionary: lower-cased keys (a later id wins a collision), blank = <pad> or [pad]. */
export function dictionaryFromVocab(vocab: Record<string, unknown>): { dictionary: Map<string, number>; blankId: number; vocabSize: number } | string {
  const dictionary = new Map<string, number>();
  let maxId = -1;
  for (const [token, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return `the id of "${token}" is ${JSON.stringify(id)}, not a non-negative integer`;
    dictionary.set(token.toLowerCase(), id);
    maxId = Math.max(maxId, id);
  }
  if (dictionary.size === 0) return 'it is empty';
  let blankId = 0;
  for (const [char, code] of dictionary) if (char === '[pad]' || char === '<pad>') blankId = code;
  return { dictionary, blankId, vocabSize: maxId + 1 };
}

/** What an alignment folder holds and whether it can be loaded, without loading it. */
export function inspectAlignFolder(dir: string): AlignFolderInfo {
  const info: AlignFolderInfo = {
    dir,
    found: existsSync(dir) && statSync(dir).isDirectory(),
    problem: null,
    modelFile: null,
    modelFiles: [],
    vocabSize: null,
    blankId: null,
    hasWordSeparator: null,
    doNormalize: null,
    samplingRate: null,
    modelType: null,
    files: [],
  };
  if (!info.found) {
    info.problem = `the folder ${dir} does not exist`;
    return info;
  }
  info.files = listFiles(dir);
  info.modelFiles = info.files.map((f) => f.path.split('\\').join('/')).filter((p) => p.endsWith('.onnx')).sort();
  info.modelFile = alignModelFileCandidates.find((c) => info.modelFiles.includes(c)) ?? null;
  const problems: string[] = [];
  if (!info.modelFile) problems.push(`no ONNX model (looked for ${alignModelFileCandidates.join(', ')})`);

  const vocab = readJsonObject(join(dir, 'vocab.json'));
  if (vocab.error) problems.push(`vocab.json is ${vocab.error}`);
  else {
    const dict = dictionaryFromVocab(vocab.value!);
    if (typeof dict === 'string') problems.push(`vocab.json is unusable: ${dict}`);
    else {
      info.vocabSize = dict.vocabSize;
      info.blankId = dict.blankId;
      info.hasWordSeparator = dict.dictionary.has('|');
    }
  }

  const pre = readJsonObject(join(dir, 'preprocessor_config.json'));
  if (pre.error) problems.push(`preprocessor_config.json is ${pre.error}`);
  else {
    const sr = pre.value!.sampling_rate;
    const norm = pre.value!.do_normalize;
    info.samplingRate = typeof sr === 'number' ? sr : null;
    info.doNormalize = typeof norm === 'boolean' ? norm : null;
    if (info.samplingRate !== SAMPLE_RATE) problems.push(`preprocessor_config.json has sampling_rate ${JSON.stringify(sr)}; the console feeds 16000 Hz audio`);
    if (norm !== undefined && info.doNormalize === null) problems.push(`preprocessor_config.json has do_normalize ${JSON.stringify(norm)}, not true or false`);
  }

  const config = readJsonObject(join(dir, 'config.json'));
  if (config.value) {
    info.modelType = typeof config.value.model_type === 'string' ? config.value.model_type : null;
    const vs = config.value.vocab_size;
    if (typeof vs === 'number' && info.vocabSize !== null && info.vocabSize > vs) problems.push(`vocab.json has ids up to ${info.vocabSize - 1} but config.json says vocab_size ${vs}`);
  } else if (config.error !== 'missing') problems.push(`config.json is ${config.error}`);

  info.problem = problems.length ? problems.join('; ') : null;
  return info;
}

/** HF Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm over one slice (population variance, 1e-7). */
export function zeroMeanUnitVar(x: Float32Array): Float32Array {
  if (x.length === 0) return new Float32Array(0);
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) * (v - mean);
  variance /= x.length;
  const scale = 1 / Math.sqrt(variance + 1e-7);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean) * scale;
  return out;
}

export class OnnxCtcAligner implements CtcAligner {
  /** The highest class id vocab.json uses; the model must score at least that many classes. */
  private readonly maxId: number;

  constructor(
    readonly session: ort.InferenceSession,
    readonly dictionary: ReadonlyMap<string, number>,
    readonly blankId: number,
    readonly doNormalize: boolean,
    readonly info: AlignFolderInfo,
    /** Longest input in one run; whisperx segments are at most 30 s, so one run is the rule. */
    readonly maxInputSamples: number = 30 * SAMPLE_RATE,
  ) {
    if (!(maxInputSamples >= MIN_INPUT_SAMPLES)) throw new RangeError(`maxInputSamples must be at least ${MIN_INPUT_SAMPLES}, got ${maxInputSamples}`);
    let maxId = -1;
    for (const id of dictionary.values()) maxId = Math.max(maxId, id);
    this.maxId = maxId;
  }

  /**
   * Logits of one slice. A slice longer than maxInputSamples runs in consecutive pieces whose
   * frames are concatenated (memory stays bounded; frames near a cut see less context).
   */
  async logits(samples: Float32Array): Promise<{ data: Float32Array; frames: number; classes: number }> {
    const normalized = this.doNormalize ? zeroMeanUnitVar(samples) : samples;
    const pieces: Array<{ data: Float32Array; frames: number; classes: number }> = [];
    for (let pos = 0; pos === 0 || pos < normalized.length; pos += this.maxInputSamples) {
      pieces.push(await this.run(normalized.subarray(pos, pos + this.maxInputSamples)));
    }
    if (pieces.length === 1) return pieces[0]!;
    const classes = pieces[0]!.classes;
    const frames = pieces.reduce((n, p) => n + p.frames, 0);
    const data = new Float32Array(frames * classes);
    let at = 0;
    for (const p of pieces) {
      data.set(p.data, at);
      at += p.data.length;
    }
    return { data, frames, classes };
  }

  private async run(piece: Float32Array): Promise<{ data: Float32Array; frames: number; classes: number }> {
    // Zero padding after normalisation, as the feature extractor pads with padding_value 0.
    let input = piece;
    if (piece.length < MIN_INPUT_SAMPLES) {
      input = new Float32Array(MIN_INPUT_SAMPLES);
      input.set(piece);
    }
    const out = await this.session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, [1, input.length]) });
    const logits = out[OUTPUT_NAME] as ort.Tensor;
    const [, frames, classes] = logits.dims as number[];
    if (logits.dims.length !== 3 || !frames || !classes) {
      throw new ConsoleError('align_model_invalid', `The alignment model ${this.info.dir} returned logits of shape [${logits.dims.join(', ')}], expected [1, frames, vocabulary]`, {
        hint: folderHint(this.info.dir),
      });
    }
    if (this.maxId >= classes) {
      throw new ConsoleError('align_model_invalid', `The alignment model ${this.info.dir} scores ${classes} classes but vocab.json has ids up to ${this.maxId}`, {
        hint: 'Use the vocab.json that was exported with this model',
      });
    }
    return { data: logits.data as Float32Array, frames, classes };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Opens an alignment folder; every problem is a ConsoleError naming the file and what to do. */
export interface LoadAlignerOptions {
  /** Longest audio run through the model at once, in seconds (default 30). */
  maxInputSeconds?: number;
  /**
   * Normalise each slice before the model; default: preprocessor_config.json's do_normalize.
   * false for a graph that normalises its input itself (the demo model): normalising twice is
   * not quite a no-op (the 1e-7 in the variance), which moves quiet inputs' logits by ~1e-3.
   */
  normalize?: boolean;
}

export async function loadAligner(dir: string, sessionOptions: ort.InferenceSession.SessionOptions = {}, opts: LoadAlignerOptions = {}): Promise<OnnxCtcAligner> {
  const info = inspectAlignFolder(dir);
  if (info.problem || !info.modelFile) {
    throw new ConsoleError(info.found ? 'align_model_invalid' : 'align_model_missing', `Alignment model ${dir} cannot be used: ${info.problem}`, {
      hint: folderHint(dir),
      details: { dir, problem: info.problem },
    });
  }
  const vocab = JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as Record<string, unknown>;
  const dict = dictionaryFromVocab(vocab) as Exclude<ReturnType<typeof dictionaryFromVocab>, string>;
  const modelPath = join(dir, info.modelFile);
  let session: ort.InferenceSession;
  try {
    // Bytes rather than a path: works from inside an Electron asar too.
    session = await ort.InferenceSession.create(await readFile(modelPath), sessionOptions);
  } catch (e) {
    throw new ConsoleError('align_model_invalid', `${modelPath} is not a loadable ONNX model: ${(e as Error).message}`, {
      hint: folderHint(dir),
      details: { dir, file: info.modelFile },
      cause: e,
    });
  }
  if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(OUTPUT_NAME)) {
    const found = `inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')}`;
    await session.release();
    throw new ConsoleError('align_model_unsupported', `${modelPath} is not a wav2vec2 CTC model the aligner can run (${found})`, {
      hint: `The model must take "${INPUT_NAME}" float32 [batch, samples] and return "${OUTPUT_NAME}" [batch, frames, vocabulary]. ${folderHint(dir)}`,
      details: { dir, file: info.modelFile, inputs: session.inputNames, outputs: session.outputNames },
    });
  }
  return new OnnxCtcAligner(session, dict.dictionary, dict.blankId, opts.normalize ?? info.doNormalize ?? false, info, Math.round((opts.maxInputSeconds ?? 30) * SAMPLE_RATE));
}
