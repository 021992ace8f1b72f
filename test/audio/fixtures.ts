/**
 * Test audio made at test time with espeak-ng, sox and ffmpeg (nothing committed): a signal
 * with known content, encoded into every format the console promises.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function run(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await exec(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** espeak-ng speech, resampled to `rate` mono, leading/trailing silence trimmed by sox. Returns its duration. */
export async function speechClip(out: string, text: string, rate = 16000): Promise<number> {
  const raw = `${out}.espeak.wav`;
  await run('espeak-ng', ['-v', 'en', '-s', '160', '-w', raw, text]);
  await run('sox', [raw, '-r', String(rate), '-c', '1', '-b', '16', out, 'silence', '1', '0.01', '0.5%', 'reverse', 'silence', '1', '0.01', '0.5%', 'reverse']);
  return Number((await run('soxi', ['-D', out])).trim());
}

/** A sine tone with sox. */
export async function tone(out: string, opts: { seconds: number; hz: number; rate?: number; channels?: number; bits?: number; volume?: number }): Promise<void> {
  await run('sox', [
    '-n', '-r', String(opts.rate ?? 16000), '-c', String(opts.channels ?? 1), '-b', String(opts.bits ?? 16), out,
    'synth', String(opts.seconds), 'sine', String(opts.hz), 'vol', String(opts.volume ?? 0.5),
  ]);
}

export async function silence(out: string, seconds: number, rate = 16000): Promise<void> {
  await run('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', out, 'trim', '0', String(seconds)]);
}

/** sox concatenation of files with the same rate and channels. */
export async function concat(out: string, parts: string[]): Promise<void> {
  await run('sox', [...parts, out]);
}

/** The source every format test decodes: speech, then a 440 Hz tone; 16 kHz mono reference too. */
export interface SourceSignal {
  /** 16 kHz mono 16-bit wav, the reference. */
  reference: string;
  /** 44.1 kHz stereo wav, what the encoders get (so decoding must resample and downmix). */
  master: string;
  speechSeconds: number;
  toneSeconds: number;
  toneHz: number;
}

export async function makeSourceSignal(dir: string): Promise<SourceSignal> {
  const speech = join(dir, 'speech16k.wav');
  const speechSeconds = await speechClip(speech, 'Every morning the operator checks the transcription queue.');
  const toneFile = join(dir, 'tone16k.wav');
  const toneSeconds = 1;
  await tone(toneFile, { seconds: toneSeconds, hz: 440 });
  const reference = join(dir, 'reference16k.wav');
  await concat(reference, [speech, toneFile]);
  const master = join(dir, 'master44k.wav');
  await run('sox', [reference, '-r', '44100', '-c', '2', '-b', '16', master]);
  return { reference, master, speechSeconds, toneSeconds, toneHz: 440 };
}

/** ffmpeg encode of `input` with extra args; returns the output path. */
export async function encode(input: string, out: string, args: string[], extraInputs: string[][] = []): Promise<string> {
  await run('ffmpeg', ['-v', 'error', '-y', ...extraInputs.flat(), '-i', input, ...args, out]);
  return out;
}

/** A tiny video track (lavfi test pattern) to mux with audio. */
export const videoInput = (seconds: number) => ['-f', 'lavfi', '-i', `testsrc=size=64x64:rate=10:duration=${seconds}`];

/** Frequency of a tone from its zero crossings. */
export function zeroCrossingHz(samples: Float32Array, sampleRate = 16000): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1]! < 0) !== (samples[i]! < 0)) crossings++;
  return crossings / 2 / (samples.length / sampleRate);
}

export function rms(samples: Float32Array): number {
  let s = 0;
  for (const v of samples) s += v * v;
  return Math.sqrt(s / Math.max(1, samples.length));
}

/** Best normalised cross-correlation of b against a over lags in [-maxLag, maxLag]. */
export function bestCorrelation(a: Float32Array, b: Float32Array, maxLag: number): { r: number; lag: number } {
  let best = { r: -1, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    const from = Math.max(0, -lag);
    const to = Math.min(a.length, b.length - lag);
    for (let i = from; i < to; i++) {
      const x = a[i]!;
      const y = b[i + lag]!;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const r = ab / Math.sqrt(aa * bb || 1);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

/** A 16-bit mono PCM WAV file from float samples (for assembling VAD fixtures with known timing). */
export function writeWav16(path: string, samples: Float32Array, sampleRate = 16000): void {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}
