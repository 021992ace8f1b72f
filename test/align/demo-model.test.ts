/**
 * The alignment stage on the demo alignment model (models/align-demo-en, tools/align_model/)
 * against its goldens (test/golden/align-demo-en/golden.json, written by
 * tools/align_model/goldens.py): emissions equal the ONNX/torch reference, word times equal
 * the Python WhisperX alignment to one frame, and word starts are near the true boundaries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignSegments, inspectAlignFolder, loadAligner, logSoftmax, type OnnxCtcAligner } from '../../main/inference/align';
import { sessionOptions } from '../../main/inference/engine/providers';
import type { Word } from '../../main/inference/types';
import { readWav } from '../inference/golden';

const modelDir = resolve('models/align-demo-en');
const goldenDir = resolve('test/golden/align-demo-en');
const goldenFile = join(goldenDir, 'golden.json');
/** The accuracy the demo model is built for (brief: ≥ 95% of word starts within 100 ms). */
const START_TOLERANCE_S = 0.1;
const START_SHARE = 0.95;

interface GoldenUtterance {
  file: string;
  transcript: string;
  num_samples: number;
  duration_s: number;
  true_words: Array<{ word: string; start: number; end: number }>;
  num_frames: number;
  emissions_first5: number[][];
  segment: { start: number; end: number; text: string };
  alignment: { words: Array<Required<Pick<Word, 'word' | 'start' | 'end' | 'score'>>> } | null;
}

function loadGolden(): { utterances: GoldenUtterance[] } {
  // Fail, never skip: a missing model or golden means the build step was not run.
  if (!existsSync(join(modelDir, 'onnx', 'model.onnx')) && !existsSync(join(modelDir, 'model.onnx'))) {
    throw new Error(`The demo alignment model is missing: ${modelDir} has no onnx/model.onnx. Build it with: sh tools/align_model/build.sh`);
  }
  if (!existsSync(goldenFile)) {
    throw new Error(`The alignment goldens are missing: ${goldenFile}. Write them with tools/align_model/goldens.py (the last step of sh tools/align_model/build.sh)`);
  }
  return JSON.parse(readFileSync(goldenFile, 'utf8')) as { utterances: GoldenUtterance[] };
}

describe('the demo alignment model (models/align-demo-en) against its goldens', () => {
  const golden = loadGolden();
  const cpu = sessionOptions({ device: 'cpu', deviceId: 0, threads: 1, optimize: true }, 'cpu');
  /** As the pipeline loads it: do_normalize from preprocessor_config.json (true). */
  let aligner: OnnxCtcAligner;
  /** The golden's input: raw samples (the model's graph normalises them itself). */
  let raw: OnnxCtcAligner;
  beforeAll(async () => {
    aligner = await loadAligner(modelDir, cpu);
    raw = await loadAligner(modelDir, cpu, { normalize: false });
  });
  afterAll(async () => {
    await aligner?.release();
    await raw?.release();
  });

  it('is a loadable wav2vec2-style folder', () => {
    expect(inspectAlignFolder(modelDir)).toMatchObject({ problem: null, modelFile: 'onnx/model.onnx', blankId: 0, hasWordSeparator: true, samplingRate: 16000 });
    expect(golden.utterances.length).toBeGreaterThan(0);
  });

  for (const u of golden.utterances) {
    describe(`${u.file}: "${u.transcript}"`, () => {
      const samples = () => readWav(join(goldenDir, u.file));

      const worstEmissionDiff = async (a: OnnxCtcAligner) => {
        const x = samples();
        expect(x.length).toBe(u.num_samples);
        const logits = await a.logits(x);
        expect(logits.frames).toBe(u.num_frames);
        const e = logSoftmax(logits.data, logits.frames, logits.classes);
        let worst = 0;
        u.emissions_first5.forEach((row, t) => row.forEach((v, k) => (worst = Math.max(worst, Math.abs(e.data[t * e.classes + k]! - v)))));
        return worst;
      };

      it('emissions (log-softmax of the logits) of the raw samples equal the reference\'s first frames to 1e-4', async () => {
        expect(await worstEmissionDiff(raw)).toBeLessThan(1e-4);
      });

      it('normalising before the graph normalises again (do_normalize honoured) stays within 1e-3 of them', async () => {
        expect(await worstEmissionDiff(aligner)).toBeLessThan(1e-3);
      });

      it('word starts and ends equal the Python WhisperX alignment to one frame (~20 ms)', async () => {
        // One frame in whisperx's time scale (duration / frames, ≈ 320 samples), plus both sides' rounding to ms.
        const frame = u.duration_s / u.num_frames + 0.001;
        expect(u.alignment, 'the Python reference could not align this utterance').not.toBeNull();
        const { segments } = await alignSegments([{ id: 0, ...u.segment }], { sampleRate: 16000, samples: samples(), offset: 0 }, aligner, { language: 'en' });
        const ours = segments[0]!.words!;
        const ref = u.alignment!.words;
        expect(ours.map((w) => w.word)).toEqual(ref.map((w) => w.word));
        ours.forEach((w, i) => {
          expect(Math.abs(w.start! - ref[i]!.start), `start of "${w.word}"`).toBeLessThanOrEqual(frame);
          expect(Math.abs(w.end! - ref[i]!.end), `end of "${w.word}"`).toBeLessThanOrEqual(frame);
        });
      });
    });
  }

  it(`word starts are within ${START_TOLERANCE_S * 1000} ms of the truth for at least ${START_SHARE * 100}% of words`, async () => {
    let near = 0;
    let total = 0;
    const misses: string[] = [];
    for (const u of golden.utterances) {
      const { segments } = await alignSegments([{ id: 0, ...u.segment }], { sampleRate: 16000, samples: readWav(join(goldenDir, u.file)), offset: 0 }, aligner, { language: 'en' });
      const ours = segments[0]!.words!;
      expect(ours.map((w) => w.word.toLowerCase())).toEqual(u.true_words.map((w) => w.word.toLowerCase()));
      ours.forEach((w, i) => {
        total++;
        const err = Math.abs(w.start! - u.true_words[i]!.start);
        if (err <= START_TOLERANCE_S) near++;
        else misses.push(`${u.file} "${w.word}": ${w.start} vs true ${u.true_words[i]!.start.toFixed(3)}`);
      });
    }
    expect(near / total, `misses: ${misses.join('; ')}`).toBeGreaterThanOrEqual(START_SHARE);
  });
});
