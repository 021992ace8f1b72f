import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleError } from '../../main/core/errors';
import type { AudioBuffer16k } from '../../main/inference/types';
import { SileroVad } from '../../main/inference/vad';
import { tempDir } from '../audio/fixtures';

/**
 * The v5 path, on a stand-in model with v5's interface (made by fixtures/make_silero_v5_probe.py):
 *   output = mean(|input[:, 0:64]|) + 0.001 * state[0,0,0];  stateN = state + 1.
 * With v5's 64-sample context prepended, frame k's output is frame k-1's level (+ k/1000);
 * without it, frame k's own level: so the test fails if the context is missing.
 */
const probeModel = join(__dirname, 'fixtures', 'silero-v5-probe.onnx');
const levels = [0.11, 0.52, 0.23, 0.94, 0.35, 0.66, 0.07, 0.88];

/** Each 512-sample frame constant at its level, alternating sign so |x| matters. */
function steppedAudio(offset = 0): AudioBuffer16k {
  const samples = new Float32Array(levels.length * 512);
  levels.forEach((l, k) => samples.fill(k % 2 ? -l : l, k * 512, (k + 1) * 512));
  return { sampleRate: 16000, samples, offset };
}

const expected = levels.map((_, k) => (k === 0 ? 0 : levels[k - 1]!) + 0.001 * k);

let vad: SileroVad;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  vad = await SileroVad.load(probeModel);
  tmp = tempDir('vad-v5');
});

afterAll(async () => {
  await vad?.release();
  tmp?.cleanup();
});

describe('Silero v5 interface (input, state, sr)', () => {
  it('is recognised from the session input names', () => {
    expect(vad.kind).toBe('v5');
  });

  it('prepends the previous 64 samples to every frame and feeds the state back', async () => {
    const { probs } = await vad.detect(steppedAudio());
    expect(probs).toHaveLength(levels.length);
    probs.forEach((p, k) => expect(p).toBeCloseTo(expected[k]!, 5));
  });

  it('carries context and state across streamed blocks that split frames', async () => {
    const audio = steppedAudio();
    const cuts = [0, 300, 301, 1500, 2600, audio.samples.length];
    const blocks = cuts.slice(1).map((end, i) => ({ sampleRate: 16000 as const, samples: audio.samples.subarray(cuts[i]!, end), offset: cuts[i]! / 16000 }));
    const { probs } = await vad.detectStream(blocks);
    probs.forEach((p, k) => expect(p).toBeCloseTo(expected[k]!, 5));
  });

  it('starts each file afresh (zero context, zero state)', async () => {
    await vad.detect(steppedAudio());
    const { probs } = await vad.detect(steppedAudio());
    expect(probs[0]).toBeCloseTo(0, 6);
  });
});

describe('loading models that are not Silero', () => {
  it('refuses a model with other inputs, naming them', async () => {
    const e = await SileroVad.load(join(__dirname, 'fixtures', 'not-silero.onnx')).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConsoleError);
    expect((e as ConsoleError).code).toBe('vad_model_unsupported');
    expect((e as ConsoleError).message).toContain('inputs: x');
  });

  it('a missing file is vad_model_missing', async () => {
    const e = await SileroVad.load(join(tmp.dir, 'nope.onnx')).catch((err: unknown) => err);
    expect((e as ConsoleError).code).toBe('vad_model_missing');
  });

  it('a file that is not ONNX is vad_model_invalid', async () => {
    const junk = join(tmp.dir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    const e = await SileroVad.load(junk).catch((err: unknown) => err);
    expect((e as ConsoleError).code).toBe('vad_model_invalid');
  });
});
