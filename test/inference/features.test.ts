import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogMelExtractor, melFilterBank } from '../../main/inference/whisper/features';
import { goldenAudio, goldenDir, loadGolden, maxAbsDiff, readF32 } from './golden';
import { readNpz } from './npy';

describe('Whisper log-mel features', () => {
  const filters = readNpz('models/assets/whisper/mel_filters.npz');

  it.each([80, 128])('computes the Slaney mel filter bank with %i bins as Whisper ships it (≤ 1e-6)', (n) => {
    const ref = filters.get(`mel_${n}`)!;
    expect(ref.shape).toEqual([n, 201]);
    expect(maxAbsDiff(melFilterBank(n), ref.data as Float32Array)).toBeLessThanOrEqual(1e-6);
  });

  const golden = loadGolden();
  const extractor = new LogMelExtractor(80, 30);

  it.each(golden.inputs.map((i) => [i.name, i] as const))('matches the torch log-mel of "%s" within 1e-4 over the whole 30 s chunk', (_name, input) => {
    const out = extractor.compute(goldenAudio(input));
    const [bins, frames] = input.features.shape;
    expect([extractor.nMels, extractor.nFrames]).toEqual(input.features.full_shape);
    const ref = readF32(join(goldenDir, input.features.file));
    let maxErr = 0;
    for (let m = 0; m < bins; m++) {
      for (let t = 0; t < extractor.nFrames; t++) {
        const want = t < frames ? ref[m * frames + t]! : input.features.pad_value;
        maxErr = Math.max(maxErr, Math.abs(out[m * extractor.nFrames + t]! - want));
      }
    }
    expect(maxErr).toBeLessThanOrEqual(1e-4);
  });

  it('writes into a caller-owned batch buffer at an offset and reuses its own buffers', () => {
    const a = goldenAudio(golden.inputs[2]!);
    const single = extractor.compute(a).slice();
    const batch = new Float32Array(2 * 80 * 3000).fill(7);
    extractor.compute(goldenAudio(golden.inputs[0]!), batch, 0);
    extractor.compute(a, batch, 80 * 3000);
    expect(maxAbsDiff(batch.subarray(80 * 3000), single)).toBe(0);
  });

  it('follows the chunk length and mel count of the model (128 bins, 10 s chunks)', () => {
    const ex = new LogMelExtractor(128, 10);
    const out = ex.compute(new Float32Array(16000 * 12).map((_, i) => Math.sin(i / 7)));
    expect([ex.nMels, ex.nFrames, out.length]).toEqual([128, 1000, 128 * 1000]);
    const max = out.reduce((a, b) => Math.max(a, b), -Infinity);
    const min = out.reduce((a, b) => Math.min(a, b), Infinity);
    expect(max - min).toBeLessThanOrEqual(2 + 1e-6); // the max−8 clamp, scaled by 1/4
  });
});
