import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectModelFolder } from '../../main/inference/catalog';
import { WhisperEngine } from '../../main/inference/engine/engine';
import { readWav, type Golden } from './golden';

const demoDir = resolve('models/whisperx-demo-en');
const goldenDir = resolve('test/golden/whisperx-demo-en');
const golden = JSON.parse(readFileSync(join(goldenDir, 'golden.json'), 'utf8')) as Golden;
const audio = (wav: string) => readWav(join(goldenDir, wav));

describe('the bundled demo model (models/whisperx-demo-en)', () => {
  const engine = new WhisperEngine({
    modelDir: demoDir,
    modelName: 'whisperx-demo-en',
    profile: { device: 'cpu', device_id: 0, batch_size: 8, faster_whisper_threads: 1, compute_type: 'float32', use_faster_whisper: true, beam_size: 1 },
  });
  afterAll(() => engine.unload());

  it('is in the public Whisper layout, says it is the demo model, and reads its chunk length from its configs', () => {
    const info = inspectModelFolder(demoDir, 'whisperx-demo-en');
    expect(info.problem).toBeNull();
    expect(info.demo).toBe(true);
    expect(info.description).toMatch(/demo model/);
    expect(info.vocabSize).toBe(51864);
    expect(info.chunkLengthS).toBe(10);
    expect(info.variants.map((v) => v.computeType)).toEqual(expect.arrayContaining(['float32', 'float16', 'int8']));
  });

  it('transcribes the bundled sample to its words (samples/README.md)', async () => {
    const r = await engine.transcribe(resolve('samples/demo-status-check.wav'));
    expect(r.transcript.segments.map((s) => s.text.trim()).join(' ')).toBe('gpu status check');
  });

  it.each(golden.inputs.filter((i) => i.text).map((i) => [i.name, i] as const))('greedy tokens equal torch on %s', async (_name, input) => {
    const r = await engine.transcribe({ sampleRate: 16000, samples: audio(input.wav), offset: 0 }, { vad: false, decoding: { temperatures: [0] } });
    const tokens = r.transcript.segments.flatMap((s) => s.tokens ?? []);
    expect(tokens).toEqual(input.tokens.filter((t) => t !== golden.eot));
    expect(r.transcript.segments.map((s) => s.text.trim()).join(' ')).toBe(input.text.trim());
  });

  it('gives an empty transcript for silence, not invented words', async () => {
    const r = await engine.transcribe({ sampleRate: 16000, samples: new Float32Array(3 * 16000), offset: 0 });
    expect(r.transcript.segments.map((s) => s.text.trim()).join('')).toBe('');
  });

  describe('@huggingface/transformers on the same folder', () => {
    let reference: number[][];
    const inputs = golden.inputs.filter((i) => i.text);
    beforeAll(() => {
      const r = spawnSync(process.execPath, ['test/inference/fixtures/transformers-generate.mjs', demoDir, String(golden.max_new_tokens)], {
        input: JSON.stringify(inputs.map((i) => Array.from(audio(i.wav)))),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (r.status !== 0) throw new Error(`transformers.js run failed: ${r.stderr}`);
      reference = (JSON.parse(r.stdout) as { tokens: number[][] }).tokens.map((t) => t.slice(2).filter((x) => x !== golden.eot));
    }, 180_000);

    it('produces the same tokens as this engine for every golden utterance', async () => {
      for (const [i, input] of inputs.entries()) {
        const r = await engine.transcribe({ sampleRate: 16000, samples: audio(input.wav), offset: 0 }, { vad: false, decoding: { temperatures: [0] } });
        expect(reference[i], input.name).toEqual(r.transcript.segments.flatMap((s) => s.tokens ?? []));
      }
    });
  });
});
