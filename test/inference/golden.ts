import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LogMelExtractor } from '../../main/inference/whisper/features';

export const tinyModelDir = resolve('models/test-tiny-en');
export const goldenDir = resolve('test/golden/test-tiny-en');

export interface GoldenInput {
  name: string;
  wav: string;
  num_samples: number;
  features: { file: string; shape: [number, number]; pad_value: number; full_shape: [number, number] };
  encoder: { shape: [number, number]; rows: Record<string, number[]>; mean: number; std: number; abs_max: number };
  first_step_logits: Record<'notimestamps' | 'timestamps', { ids: number[]; values: number[]; mean: number; std: number; at?: Record<string, number> }>;
  tokens: number[];
  tokens_timestamps: number[];
  text: string;
}

export interface Golden {
  max_new_tokens: number;
  prompts: { notimestamps: number[]; timestamps: number[] };
  suppress_tokens: number[];
  begin_suppress_tokens: number[];
  eot: number;
  batches: Record<string, number[][]>;
  inputs: GoldenInput[];
}

export function loadGolden(): Golden {
  return JSON.parse(readFileSync(join(goldenDir, 'golden.json'), 'utf8')) as Golden;
}

export function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(new Uint8Array(b).buffer);
}

/** 16 kHz mono 16-bit PCM WAV → float samples (sample / 32768, as the references were made). */
export function readWav(file: string): Float32Array {
  const b = readFileSync(file);
  let off = 12;
  let fmt: { channels: number; rate: number; bits: number } | null = null;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: b.readUInt16LE(off + 10), rate: b.readUInt32LE(off + 12), bits: b.readUInt16LE(off + 22) };
    if (id === 'data') {
      if (!fmt || fmt.channels !== 1 || fmt.bits !== 16 || fmt.rate !== 16000) throw new Error(`${file}: need 16 kHz mono 16-bit`);
      const out = new Float32Array(size / 2);
      for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(off + 8 + 2 * i) / 32768;
      return out;
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

export function goldenAudio(input: GoldenInput): Float32Array {
  return readWav(join(goldenDir, input.wav));
}

/** Log-mel features of the first `count` golden inputs, batched as [count, 80, 3000]. */
export function goldenFeatures(count: number): Float32Array {
  const mel = new LogMelExtractor(80, 30);
  const inputs = loadGolden().inputs.slice(0, count);
  const out = new Float32Array(inputs.length * mel.nMels * mel.nFrames);
  inputs.forEach((input, i) => mel.compute(goldenAudio(input), out, i * mel.nMels * mel.nFrames));
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
