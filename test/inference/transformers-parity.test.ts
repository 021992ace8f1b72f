import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhisperEngine } from '../../main/inference/engine/engine';
import { goldenAudio, loadGolden, tinyModelDir } from './golden';

const golden = loadGolden();
const chunk = 30 * 16000;
const maxNew = golden.max_new_tokens; // 40: both sides stop there (sample_len / max_new_tokens)

/** Each input padded to one 30 s chunk, back to back: chunk i of the file is input i. */
function concatenated(): Float32Array {
  const out = new Float32Array(golden.inputs.length * chunk);
  golden.inputs.forEach((input, i) => out.set(goldenAudio(input), i * chunk));
  return out;
}

describe('greedy tokens equal @huggingface/transformers on the same model folder', () => {
  let reference: number[][];
  const engine = new WhisperEngine({
    modelDir: tinyModelDir,
    profile: { device: 'cpu', device_id: 0, batch_size: 1, faster_whisper_threads: 1, compute_type: 'float32', use_faster_whisper: true, beam_size: 1 },
    vadModelPath: null,
  });

  beforeAll(async () => {
    const r = spawnSync(process.execPath, ['test/inference/fixtures/transformers-generate.mjs', tinyModelDir, String(maxNew)], {
      input: JSON.stringify(golden.inputs.map((i) => Array.from(goldenAudio(i)))),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`transformers.js run failed: ${r.stderr}`);
    // transformers.js returns the prompt [SOT, notimestamps] and EOT too.
    reference = (JSON.parse(r.stdout) as { tokens: number[][] }).tokens.map((t) => t.slice(2).filter((x) => x !== golden.eot));
  });
  afterAll(() => engine.unload());

  it.each([1, 2, 8])('at batch size %i through the engine (worker, pipeline, no VAD)', async (batchSize) => {
    const r = await engine.transcribe(
      { sampleRate: 16000, samples: concatenated(), offset: 0 },
      { vad: false, batchSize, beamSize: 1, decoding: { temperatures: [0], noSpeechThreshold: null, logProbThreshold: null, compressionRatioThreshold: null, sampleLen: maxNew } },
    );
    expect(r.chunks).toBe(golden.inputs.length);
    const byStart = new Map(r.transcript.segments.map((s) => [Math.round(s.start / 30), s.tokens]));
    golden.inputs.forEach((input, i) => expect(byStart.get(i), input.name).toEqual(reference[i]));
    // And both equal the torch references.
    golden.inputs.forEach((input, i) => expect(reference[i]).toEqual(input.tokens.filter((t) => t !== golden.eot)));
  });
});
