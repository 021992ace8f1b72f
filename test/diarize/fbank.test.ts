import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KaldiFbank, fbankWithCmn, subtractMean } from '../../main/inference/diarize/fbank';
import { maxAbsDiff, readWav } from '../inference/golden';

const goldenDir = join(import.meta.dirname, '..', 'golden', 'diarize-demo');

interface FbankGolden {
  num_samples: number;
  shape: [number, number];
  fbank: number[][];
  fbank_cmn: number[][];
}

describe('Kaldi fbank (torchaudio.compliance.kaldi.fbank, wespeaker settings)', () => {
  const golden = JSON.parse(readFileSync(join(goldenDir, 'fbank.json'), 'utf8')) as FbankGolden;
  const audio = readWav(join(goldenDir, 'fbank_input.wav'));

  it('frames: 25 ms every 10 ms, snip_edges', () => {
    const fb = new KaldiFbank();
    expect(audio.length).toBe(golden.num_samples);
    expect(fb.numFrames(audio.length)).toBe(golden.shape[0]);
    expect(fb.numFrames(399)).toBe(0);
    expect(fb.numFrames(400)).toBe(1);
    expect(fb.numFrames(560)).toBe(2);
  });

  it('matches torchaudio run in float64 to 1e-4 everywhere', () => {
    const raw = new KaldiFbank().compute(audio);
    const buf = readFileSync(join(import.meta.dirname, 'fixtures', 'fbank_f64.f32'));
    const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    expect(maxAbsDiff(raw.data, ref)).toBeLessThan(1e-4);
  });

  it('matches the float32 golden to 1e-3 before and after CMN (bins within 12 nepers of the frame peak)', () => {
    // Below that, the golden's own float32 FFT rounding reaches ~1e-2 (see fixtures/make_fbank_f64.py).
    const fb = new KaldiFbank();
    const raw = fb.compute(audio);
    const cmn = fbankWithCmn(audio, fb);
    expect([raw.numFrames, fb.numMelBins]).toEqual(golden.shape);
    const bins = fb.numMelBins;
    let worstRaw = 0;
    let worstCmn = 0;
    let compared = 0;
    for (let t = 0; t < raw.numFrames; t++) {
      const peak = Math.max(...raw.data.subarray(t * bins, (t + 1) * bins));
      for (let b = 0; b < bins; b++) {
        if (raw.data[t * bins + b]! < peak - 12) continue;
        compared++;
        worstRaw = Math.max(worstRaw, Math.abs(raw.data[t * bins + b]! - golden.fbank[t]![b]!));
        worstCmn = Math.max(worstCmn, Math.abs(cmn.data[t * bins + b]! - golden.fbank_cmn[t]![b]!));
      }
    }
    expect(compared).toBeGreaterThan(0.95 * raw.data.length);
    expect(worstRaw).toBeLessThan(1e-3);
    // The golden's CMN mean carries the float32 error of the skipped bins (up to ~1e-2 / 128 frames).
    expect(worstCmn).toBeLessThan(1e-3);
  });

  it('unscaled samples (normalize_samples=1) shift every bin by log(32768^2)', () => {
    const scaled = new KaldiFbank().compute(audio);
    const unscaled = new KaldiFbank({ sampleScale: 1 }).compute(audio);
    const shift = 2 * Math.log(32768);
    // Only where the energy is far above the log floor is the shift exact.
    let checked = 0;
    for (let i = 0; i < scaled.data.length; i++) {
      if (unscaled.data[i]! > -10) {
        expect(scaled.data[i]! - unscaled.data[i]!).toBeCloseTo(shift, 3);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(scaled.data.length / 2);
  });

  it('CMN leaves every bin with zero mean', () => {
    const data = Float32Array.from([1, 10, 3, 20, 5, 30]);
    subtractMean(data, 3, 2);
    expect(Array.from(data)).toEqual([-2, -10, 0, 0, 2, 10]);
  });
});
