import { copyFileSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleError } from '../../main/core/errors';
import { alignModelFor, alignSegments, inspectAlignFolder, loadAligner, type OnnxCtcAligner } from '../../main/inference/align';
import { sessionOptions } from '../../main/inference/engine/providers';
import type { AudioBuffer16k } from '../../main/inference/types';
import { tempDir } from '../audio/fixtures';
import reference from './fixtures/tiny-ctc/reference.json';

const fixtures = join(import.meta.dirname, 'fixtures');
const tiny = join(fixtures, 'tiny-ctc');
const cpu = sessionOptions({ device: 'cpu', deviceId: 0, threads: 1, optimize: true }, 'cpu');
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => (tmp = tempDir('align-loader')));
afterAll(() => tmp?.cleanup());

/** A copy of the tiny model folder, changed by `edit`. */
function folder(name: string, edit: (dir: string) => void): string {
  const dir = join(tmp.dir, name);
  cpSync(tiny, dir, { recursive: true });
  edit(dir);
  return dir;
}

async function loadError(dir: string): Promise<ConsoleError> {
  const e = await loadAligner(dir, cpu).then((a) => a.release().then(() => null), (err: unknown) => err);
  expect(e).toBeInstanceOf(ConsoleError);
  return e as ConsoleError;
}

/** The fixture signal (make_tiny_aligner.py signal()): float64 formula, then float32. */
function fixtureSignal(): Float32Array {
  const x = new Float32Array(reference.samples);
  for (let n = 0; n < x.length; n++) {
    const t = n / 16000;
    x[n] = 0.3 * Math.sin(2 * Math.PI * 220 * t) * Math.sin(2 * Math.PI * 1.5 * t) + 0.05 * Math.sin(2 * Math.PI * 3170 * t + 0.3) + 0.02;
  }
  return x;
}

describe('inspectAlignFolder', () => {
  it('reports the files, vocabulary, blank, separator and normalisation of a good folder', () => {
    const info = inspectAlignFolder(tiny);
    expect(info).toMatchObject({ found: true, problem: null, modelFile: 'onnx/model.onnx', vocabSize: 32, blankId: 0, hasWordSeparator: true, doNormalize: true, samplingRate: 16000, modelType: 'wav2vec2' });
    expect(info.files.map((f) => f.path).sort()).toContain('vocab.json');
  });

  it('prefers the fp32 model over quantized variants, and uses a variant when it is all there is', () => {
    const both = folder('variants', (d) => copyFileSync(join(d, 'onnx', 'model.onnx'), join(d, 'onnx', 'model_quantized.onnx')));
    expect(inspectAlignFolder(both).modelFile).toBe('onnx/model.onnx');
    expect(inspectAlignFolder(both).modelFiles).toEqual(['onnx/model.onnx', 'onnx/model_quantized.onnx']);
    rmSync(join(both, 'onnx', 'model.onnx'));
    expect(inspectAlignFolder(both).modelFile).toBe('onnx/model_quantized.onnx');
  });
});

describe('loadAligner refuses a bad folder with an error that names what is wrong', () => {
  it('a folder that does not exist', async () => {
    const e = await loadError(join(tmp.dir, 'nowhere'));
    expect(e.code).toBe('align_model_missing');
    expect(e.message).toContain('does not exist');
    expect(e.hint).toContain('onnx/model.onnx');
  });

  it('missing vocab.json', async () => {
    const e = await loadError(folder('no-vocab', (d) => rmSync(join(d, 'vocab.json'))));
    expect(e.code).toBe('align_model_invalid');
    expect(e.message).toContain('vocab.json is missing');
  });

  it('vocab.json that is not token → id', async () => {
    const e = await loadError(folder('bad-vocab', (d) => writeFileSync(join(d, 'vocab.json'), '{"a": "x"}')));
    expect(e.message).toMatch(/vocab\.json is unusable: the id of "a"/);
  });

  it('no ONNX model', async () => {
    const e = await loadError(folder('no-onnx', (d) => rmSync(join(d, 'onnx'), { recursive: true })));
    expect(e.message).toContain('no ONNX model (looked for onnx/model.onnx, model.onnx');
  });

  it('a sampling rate other than 16 kHz', async () => {
    const e = await loadError(folder('8k', (d) => writeFileSync(join(d, 'preprocessor_config.json'), '{"do_normalize": true, "sampling_rate": 8000}')));
    expect(e.message).toContain('sampling_rate 8000');
  });

  it('a model whose input is not input_values', async () => {
    const e = await loadError(folder('wrong-inputs', (d) => copyFileSync(join(fixtures, 'wrong-inputs.onnx'), join(d, 'onnx', 'model.onnx'))));
    expect(e.code).toBe('align_model_unsupported');
    expect(e.message).toContain('inputs: audio');
    expect(e.hint).toContain('"input_values"');
  });

  it('a file that is not ONNX', async () => {
    const e = await loadError(folder('garbage', (d) => writeFileSync(join(d, 'onnx', 'model.onnx'), 'not a model')));
    expect(e.code).toBe('align_model_invalid');
    expect(e.message).toContain('is not a loadable ONNX model');
  });
});

describe('the tiny model end to end (onnxruntime-node)', () => {
  let aligner: OnnxCtcAligner;
  beforeAll(async () => (aligner = await loadAligner(tiny, cpu)));
  afterAll(async () => aligner?.release());

  it('logits equal torch\'s for the normalised signal (do_normalize), to 1e-4', async () => {
    const x = fixtureSignal();
    expect(Math.max(...[...x.subarray(0, 8)].map((v, i) => Math.abs(v - reference.first_samples[i]!)))).toBeLessThan(1e-7);
    const out = await aligner.logits(x);
    expect([out.frames, out.classes]).toEqual([reference.frames, 32]);
    let worst = 0;
    for (let t = 0; t < out.frames; t++) for (let v = 0; v < 32; v++) worst = Math.max(worst, Math.abs(out.data[t * 32 + v]! - reference.logits[t]![v]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('normalize: false feeds the raw samples (this model does not normalise in its graph, so the logits change)', async () => {
    const rawAligner = await loadAligner(tiny, cpu, { normalize: false });
    try {
      const [a, b] = [await aligner.logits(fixtureSignal()), await rawAligner.logits(fixtureSignal())];
      let worst = 0;
      a.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b.data[i]!))));
      expect(worst).toBeGreaterThan(0.01);
    } finally {
      await rawAligner.release();
    }
  });

  it('a slice shorter than 400 samples is zero-padded to one frame; a long one runs in pieces', async () => {
    expect((await aligner.logits(new Float32Array(100).fill(0.1))).frames).toBe(1);
    const pieces = await loadAligner(tiny, cpu, { maxInputSeconds: 0.5 });
    try {
      // 1.3 s in 0.5 s pieces: 8000 + 8000 + 4800 samples → 24 + 24 + 14 frames (each piece loses the conv's edge).
      expect((await pieces.logits(fixtureSignal())).frames).toBe(24 + 24 + 14);
    } finally {
      await pieces.release();
    }
  });

  it('aligns segments: every word timed, inside its segment, in order', async () => {
    const audio: AudioBuffer16k = { sampleRate: 16000, samples: fixtureSignal(), offset: 0 };
    const { segments, word_segments } = await alignSegments(
      [
        { id: 0, start: 0, end: 0.6, text: ' Alarm on rack 7.' },
        { id: 1, start: 0.6, end: 1.3, text: ' All clear' },
      ],
      audio,
      aligner,
      { language: 'en' },
    );
    expect(word_segments.map((w) => w.word)).toEqual(['Alarm', 'on', 'rack', '7.', 'All', 'clear']);
    for (const s of segments) {
      let last = s.start;
      for (const w of s.words!) {
        expect(w.start).toBeGreaterThanOrEqual(last);
        expect(w.end).toBeGreaterThan(w.start!);
        expect(w.score).toBeGreaterThan(0);
        last = w.start!;
      }
    }
    expect(segments[0]!.end).toBeLessThanOrEqual(0.6);
    expect(segments[1]!.start).toBeGreaterThanOrEqual(0.6);
  });
});

describe('alignModelFor', () => {
  it('the bundled model for English, an override per language, a readable error otherwise', () => {
    expect(alignModelFor('en')).toBe('align-demo-en');
    expect(alignModelFor('EN', { en: '/opt/models/wav2vec2-en' })).toBe('/opt/models/wav2vec2-en');
    expect(alignModelFor('de', { de: 'wav2vec2-de' })).toBe('wav2vec2-de');
    const e = (() => {
      try {
        alignModelFor('fi');
      } catch (err) {
        return err as ConsoleError;
      }
      return null;
    })();
    expect(e?.code).toBe('align_model_unknown_language');
    expect(e?.message).toContain('"fi"');
    expect(e?.message).toContain('en');
  });
});
