import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectModelFolder, pickVariant } from '../../main/inference/catalog';
import { sessionOptions } from '../../main/inference/engine/providers';
import { decodeRows, type DecodeOptions } from '../../main/inference/whisper/decoding';
import { LogMelExtractor } from '../../main/inference/whisper/features';
import { WhisperOnnxModel } from '../../main/inference/whisper/onnx-model';
import { WhisperTokenizer } from '../../main/inference/whisper/tokenizer';
import { goldenAudio, goldenDir, loadGolden, readF32, tinyModelDir } from './golden';

const golden = loadGolden();
const tokenizer = WhisperTokenizer.fromModelFolder(tinyModelDir);
const mel = new LogMelExtractor(80, 30);
const features = golden.inputs.map((i) => mel.compute(goldenAudio(i)).slice());

async function open(computeType: 'float32' | 'float16' | 'int8') {
  const v = pickVariant(inspectModelFolder(tinyModelDir), computeType);
  return WhisperOnnxModel.load(tinyModelDir, v.encoder, v.decoder, sessionOptions({ device: 'cpu', deviceId: 0, threads: 1, optimize: true }, 'cpu'));
}

/** The references' logits processing: suppress_tokens every step, begin_suppress on the first, argmax. */
const goldenDecoding: DecodeOptions = {
  temperature: 0,
  beamSize: 1,
  bestOf: 1,
  sampleLen: golden.max_new_tokens,
  withoutTimestamps: true,
  maxInitialTimestampIndex: null,
  suppressTokens: golden.suppress_tokens,
  suppressBlank: true,
  blankTokens: [220],
  random: Math.random,
};

function batchFeatures(rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * 80 * 3000);
  rows.forEach((r, i) => out.set(features[r]!, i * 80 * 3000));
  return out;
}

function withEot(tokens: number[], n: number): number[] {
  return tokens.length < n ? [...tokens, golden.eot] : tokens;
}

describe('Whisper on onnxruntime-node against the torch references (test-tiny-en, fp32)', () => {
  let model: WhisperOnnxModel;
  beforeAll(async () => {
    model = await open('float32');
  });
  afterAll(async () => {
    await model.release();
  });

  it('reads the model shape from the folder and the session metadata', () => {
    expect(model.shape).toMatchObject({ nMels: 80, chunkLengthS: 30, nFrames: 3000, heads: 4, headDim: 16, decoderLayers: 2, vocabSize: 51864, maxTargetPositions: 448 });
    expect(model.cacheDtype).toBe('float32');
  });

  it('derives the special token ids from tokenizer.json and generation_config.json', () => {
    expect(tokenizer.specials).toMatchObject({ eot: 50256, sot: 50257, noTimestamps: 50362, timestampBegin: 50363, sotPrev: 50360 });
    expect(tokenizer.multilingual).toBe(false);
    expect(tokenizer.suppressTokens([-1])).toEqual([...golden.suppress_tokens].sort((a, b) => a - b));
    expect(tokenizer.nonSpeechTokens()).toEqual(golden.suppress_tokens.filter((t) => t < 50256));
  });

  it('gives the encoder output of torch for the speech input (whole tensor ≤ 1e-3) and the sampled rows of every input', async () => {
    const speech = golden.inputs.findIndex((i) => i.name === 'speech');
    const ref = readF32(join(goldenDir, 'encoder_speech.f32'));
    const enc = await model.encode(batchFeatures(golden.inputs.map((_, i) => i)), golden.inputs.length);
    expect(enc.dims).toEqual([golden.inputs.length, 1500, 64]);
    const data = enc.data as Float32Array;
    let err = 0;
    for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(data[speech * enc.rowSize + i]! - ref[i]!));
    expect(err).toBeLessThanOrEqual(1e-3);
    golden.inputs.forEach((input, b) => {
      for (const [row, values] of Object.entries(input.encoder.rows)) {
        values.forEach((v, d) => expect(Math.abs(data[b * enc.rowSize + Number(row) * 64 + d]! - v)).toBeLessThanOrEqual(1e-3));
      }
    });
  });

  it('encodes chunk by chunk (the CPU setting) to the same output as one batched run', async () => {
    const rows = golden.inputs.map((_, i) => i);
    const whole = await model.encode(batchFeatures(rows), rows.length);
    model.encoderBatch = 1;
    try {
      const single = await model.encode(batchFeatures(rows), rows.length);
      expect(single.dims).toEqual(whole.dims);
      let err = 0;
      for (let i = 0; i < whole.data.length; i++) err = Math.max(err, Math.abs(single.data[i]! - whole.data[i]!));
      expect(err).toBeLessThanOrEqual(1e-5);
    } finally {
      model.encoderBatch = 0;
    }
  });

  it.each(['notimestamps', 'timestamps'] as const)('gives the first-step logits of torch (%s prompt: top-10 ids and values)', async (prompt) => {
    const enc = await model.encode(batchFeatures(golden.inputs.map((_, i) => i)), golden.inputs.length);
    const session = model.decoderSession(enc);
    const rows = Int32Array.from(golden.inputs.map((_, i) => i));
    const { last } = await session.start(Int32Array.from(golden.prompts[prompt]), 0, rows);
    session.end();
    golden.inputs.forEach((input, b) => {
      const ref = input.first_step_logits[prompt];
      const row = last.subarray(b * 51864, (b + 1) * 51864);
      const top = [...row.keys()].sort((x, y) => row[y]! - row[x]!).slice(0, 10);
      expect(top).toEqual(ref.ids);
      ref.values.forEach((v, k) => expect(Math.abs(row[ref.ids[k]!]! - v)).toBeLessThanOrEqual(1e-3));
    });
  });

  for (const bs of ['1', '2', '8']) {
    it(`decodes greedy tokens equal to torch at batch size ${bs} (batched = unbatched), both prompts`, async () => {
      for (const group of golden.batches[bs]!) {
        const enc = await model.encode(batchFeatures(group), group.length);
        for (const prompt of ['notimestamps', 'timestamps'] as const) {
          const rows = await decodeRows(model.decoderSession(enc), tokenizer.specials, Int32Array.from(golden.prompts[prompt]), 0, group.length, goldenDecoding);
          group.forEach((g, k) => {
            const input = golden.inputs[g]!;
            const want = prompt === 'notimestamps' ? input.tokens : input.tokens_timestamps;
            expect(withEot(rows[k]!.tokens, golden.max_new_tokens), `${input.name} ${prompt}`).toEqual(want);
          });
        }
      }
    });
  }

  it('decodes the text torch decoded with tokenizer.json', async () => {
    for (const input of golden.inputs) expect(tokenizer.decode(input.tokens)).toBe(input.text);
  });
});

describe.each(['float16', 'int8'] as const)('the %s variant', (computeType) => {
  it('loads with cache tensors in the dtype the session declares and decodes the references closely', async () => {
    const model = await open(computeType);
    try {
      expect(model.cacheDtype).toBe(computeType === 'float16' ? 'float16' : 'float32');
      const group = golden.batches['8']![0]!;
      const enc = await model.encode(batchFeatures(group), group.length);
      const rows = await decodeRows(model.decoderSession(enc), tokenizer.specials, Int32Array.from(golden.prompts.notimestamps), 0, group.length, goldenDecoding);
      // Quantised weights move logits a little: the first tokens still agree with fp32 torch.
      const agreeing = rows.filter((r, k) => r.tokens[0] === golden.inputs[group[k]!]!.tokens[0]).length;
      expect(agreeing).toBeGreaterThanOrEqual(group.length / 2);
      for (const r of rows) expect(Number.isFinite(r.avgLogprob)).toBe(true);
    } finally {
      await model.release();
    }
  });
});
