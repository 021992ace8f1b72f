import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConsoleError } from '../../main/core/errors';
import { EmbeddingModel } from '../../main/inference/diarize/embedding';
import { readOnnxMetadata } from '../../main/inference/diarize/onnx-metadata';
import { SegmentationModel, frameCentre, powersetClasses, powersetToMultilabel, segmentationDefaults } from '../../main/inference/diarize/segmentation';
import { cosineSimilarity } from '../../main/inference/diarize/clustering';
import { toneConversation } from './tone-audio';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('powerset → multilabel (pyannote segmentation-3.0)', () => {
  it('classes in pyannote\'s order: empty set, singles, then pairs', () => {
    expect(powersetClasses(3, 2)).toEqual([[], [0], [1], [2], [0, 1], [0, 2], [1, 2]]);
    expect(powersetClasses(2, 1)).toEqual([[], [0], [1]]);
  });

  it('each frame takes its most likely class (hard argmax), whose speakers are active', () => {
    const classes = powersetClasses(3, 2);
    const frames = [0, 1, 2, 3, 4, 5, 6];
    const scores = new Float32Array(frames.length * 7).fill(-5);
    frames.forEach((c, f) => (scores[f * 7 + c] = -0.1));
    // A frame where two classes are close still takes only the best one.
    scores[6 * 7 + 1] = -0.2;
    const active = powersetToMultilabel(scores, frames.length, classes, 3);
    const rows = frames.map((f) => Array.from(active.subarray(f * 3, f * 3 + 3)));
    expect(rows).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 1, 0],
      [1, 0, 1],
      [0, 1, 1],
    ]);
  });

  it('frame i is centred at (i·270 + 991/2) / 16000 s from the window start', () => {
    expect(frameCentre(segmentationDefaults, 0)).toBeCloseTo(495.5 / 16000, 12);
    expect(frameCentre(segmentationDefaults, 100)).toBeCloseTo((27000 + 495.5) / 16000, 12);
    expect(frameCentre(segmentationDefaults, 588)).toBeCloseTo(9.95346875, 9);
  });
});

describe('ONNX metadata_props', () => {
  it('reads sherpa-onnx style keys from the model bytes', () => {
    const meta = readOnnxMetadata(readFileSync(join(fixtures, 'tone-segmentation.onnx')));
    expect(meta).toMatchObject({ window_size: '160000', receptive_field_shift: '270', receptive_field_size: '991', num_speakers: '3', powerset_max_classes: '2' });
    expect(readOnnxMetadata(readFileSync(join(fixtures, 'tone-segmentation-nometa.onnx')))).toEqual({});
    expect(readOnnxMetadata(new TextEncoder().encode('not a model at all'))).toEqual({});
  });
});

describe('segmentation and embedding models (tone fixtures, real interfaces)', () => {
  let seg: SegmentationModel;
  let emb: EmbeddingModel;
  beforeAll(async () => {
    seg = await SegmentationModel.load(join(fixtures, 'tone-segmentation.onnx'));
    emb = await EmbeddingModel.load(join(fixtures, 'tone-embedding.onnx'));
  });
  afterAll(async () => {
    await seg?.release();
    await emb?.release();
  });

  it('segmentation spec from metadata, defaults without it', async () => {
    expect(seg.spec).toEqual({ sampleRate: 16000, windowSamples: 160000, receptiveFieldShift: 270, receptiveFieldSize: 991, numSpeakers: 3, powersetMaxClasses: 2 });
    const bare = await SegmentationModel.load(join(fixtures, 'tone-segmentation-nometa.onnx'));
    expect(bare.spec).toEqual(segmentationDefaults);
    await bare.release();
  });

  it('segments a batch of windows into 589 frames of 7 log-probabilities; activity lines up with frame times', async () => {
    // Speaker A (300 Hz) from 2.0 s to 6.0 s of the window; B (1200 Hz) from 5.0 s to 8.0 s.
    const audio = toneConversation([{ start: 2, end: 6, speaker: 'A' }, { start: 5, end: 8, speaker: 'B' }], 10);
    const { scores, numFrames } = await seg.run([audio, new Float32Array(160000)]);
    expect(numFrames).toBe(589);
    expect(scores).toHaveLength(2);
    const probSum = Array.from({ length: 7 }, (_, c) => Math.exp(scores[0]![c]!)).reduce((a, b) => a + b, 0);
    expect(probSum).toBeCloseTo(1, 4);
    const active = powersetToMultilabel(scores[0]!, numFrames, seg.classes, 3);
    const span = (s: number) => {
      const on = Array.from({ length: numFrames }, (_, i) => i).filter((i) => active[i * 3 + s]);
      return [frameCentre(seg.spec, on[0]!), frameCentre(seg.spec, on[on.length - 1]!)];
    };
    // A frame sees ±31 ms around its centre: the first/last active centres lie within that of the truth.
    const [a0, a1] = span(0);
    const [b0, b1] = span(1);
    expect(Math.abs(a0! - 2)).toBeLessThan(0.035);
    expect(Math.abs(a1! - 6)).toBeLessThan(0.035);
    expect(Math.abs(b0! - 5)).toBeLessThan(0.035);
    expect(Math.abs(b1! - 8)).toBeLessThan(0.035);
    expect(powersetToMultilabel(scores[1]!, numFrames, seg.classes, 3).every((v) => v === 0)).toBe(true);
  });

  it('embedding spec from metadata and session (names, dim, int16 scaling)', () => {
    expect(emb.spec).toEqual({ framework: 'wespeaker', sampleRate: 16000, outputDim: 32, numMelBins: 80, normalizeSamples: false, inputName: 'feats', outputName: 'embs' });
    expect(emb.fbank.opts.sampleScale).toBe(32768);
  });

  it('embeds utterances: same voice close, different voices apart', async () => {
    // Different seeds and lengths: the same voice still embeds the same.
    const a1 = await emb.embedWaveform(toneConversation([{ start: 1, end: 3, speaker: 'A' }], 3, 1));
    const a2 = await emb.embedWaveform(toneConversation([{ start: 0.5, end: 2.5, speaker: 'A' }], 4, 2));
    const b = await emb.embedWaveform(toneConversation([{ start: 1, end: 3, speaker: 'B' }], 3, 3));
    expect(a1).toHaveLength(32);
    expect(cosineSimilarity(a1, a2)).toBeGreaterThan(0.9);
    expect(cosineSimilarity(a1, b)).toBeLessThan(0.5);
  });
});

describe('model loading errors say what to do', () => {
  const dir = tmpdir();

  async function failure(p: Promise<unknown>) {
    try {
      await p;
    } catch (e) {
      if (isConsoleError(e)) return e;
      throw e;
    }
    throw new Error('expected a ConsoleError');
  }

  it('missing file, not ONNX, wrong interface', async () => {
    const missing = await failure(SegmentationModel.load(join(dir, 'no-such-model.onnx')));
    expect(missing.code).toBe('diarize_model_missing');
    expect(missing.hint).toMatch(/config\.yml/);

    const junk = join(dir, `diarize-junk-${process.pid}.onnx`);
    writeFileSync(junk, 'not onnx');
    const invalid = await failure(EmbeddingModel.load(junk));
    expect(invalid.code).toBe('diarize_model_invalid');
    expect(invalid.message).toContain(junk);

    const swappedSeg = await failure(SegmentationModel.load(join(fixtures, 'tone-embedding.onnx')));
    expect(swappedSeg.code).toBe('diarize_model_unsupported');
    expect(swappedSeg.hint).toMatch(/segmentation-3\.0/);
    const swappedEmb = await failure(EmbeddingModel.load(join(fixtures, 'tone-segmentation.onnx')));
    expect(swappedEmb.code).toBe('diarize_model_unsupported');
    expect(swappedEmb.hint).toMatch(/wespeaker/);
  });
});
