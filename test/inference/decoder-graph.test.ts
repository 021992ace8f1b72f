import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionOptions } from '../../main/inference/engine/providers';
import { rewriteDecoder } from '../../main/inference/whisper/decoder-graph';
import { decodeRows } from '../../main/inference/whisper/decoding';
import { argmax, logSumExp } from '../../main/inference/whisper/logits-filters';
import { WhisperTokenizer } from '../../main/inference/whisper/tokenizer';
import { WhisperOnnxModel } from '../../main/inference/whisper/onnx-model';
import { onnxSkeleton } from '../../main/inference/whisper/onnx-skeleton';
import { goldenFeatures, loadGolden, maxAbsDiff, tinyModelDir } from './golden';

const opts = sessionOptions({ device: 'cpu', deviceId: 0, threads: 1, optimize: true }, 'cpu');
const decoderFile = (suffix = '') => join(tinyModelDir, `onnx/decoder_model_merged${suffix}.onnx`);
const open = (suffix: string, rewrite: boolean) =>
  WhisperOnnxModel.load(tinyModelDir, join(tinyModelDir, `onnx/encoder_model${suffix}.onnx`), decoderFile(suffix), opts, rewrite);

const BOTH = 'cross-attention keys pre-transposed after step 1 (2 layers); self-attention cache grown in place (4 tensors); greedy tokens picked in the graph';
/** The greedy head's logits_mask with nothing suppressed (the tiny model's vocabulary). */
const noMask = () => {
  const v = (JSON.parse(readFileSync(join(tinyModelDir, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;
  return new ort.Tensor('float32', new Float32Array(v), [v]);
};
const SELF = ['past_key_values.0.decoder.key', 'past_key_values.0.decoder.value', 'past_key_values.1.decoder.key', 'past_key_values.1.decoder.value'];

describe('decoder graph rewrite: cross-attention keys pre-transposed, step rows returned', () => {
  it('finds both patterns in the merged decoder and gives a graph onnxruntime loads, with the key inputs as [B, heads, head_dim, frames] and one step output per self-attention tensor', async () => {
    const r = rewriteDecoder(readFileSync(decoderFile()));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rewrite.keysWhy).toBeNull();
    expect(r.rewrite.stepWhy).toBeNull();
    expect(r.rewrite.greedyHead).toBe(true);
    expect(r.rewrite.greedyWhy).toBeNull();
    expect(r.rewrite.transposedInputs.sort()).toEqual(['past_key_values.0.encoder.key', 'past_key_values.1.encoder.key']);
    expect([...r.rewrite.stepOutputs.entries()].sort()).toEqual(SELF.map((n) => [n, n.replace('past_key_values', 'step_key_values')]));
    const s = await ort.InferenceSession.create(r.rewrite.model, opts);
    const meta = (name: string) => s.inputMetadata.find((m) => m.name === name) as unknown as { shape: Array<number | string> };
    expect(meta('past_key_values.0.encoder.key').shape.slice(1)).toEqual([4, 16, 'encoder_sequence_length_out']);
    expect(meta('past_key_values.0.encoder.value').shape.slice(1)).toEqual([4, 'encoder_sequence_length_out', 16]);
    expect(meta('past_key_values.1.decoder.key').shape.slice(1, 2)).toEqual([4]);
    const exported = await ort.InferenceSession.create(decoderFile(), opts);
    expect(s.outputNames).toEqual([...exported.outputNames, ...SELF.map((n) => n.replace('past_key_values', 'step_key_values')), 'greedy_token', 'greedy_logprob']);
    expect(s.inputNames).toEqual([...exported.inputNames, 'logits_mask']);
    await Promise.all([s.release(), exported.release()]);
  });

  it('step outputs hold the rows present appends: the whole prompt at step 1, the new position after', async () => {
    const r = rewriteDecoder(readFileSync(decoderFile()));
    if (!r.ok) throw new Error(r.why);
    const s = await ort.InferenceSession.create(r.rewrite.model, opts);
    const R = 2;
    const T = 1500;
    const hidden = new ort.Tensor('float32', Float32Array.from({ length: R * T * 64 }, (_, i) => Math.sin(i * 0.37)), [R, T, 64]);
    const ids = (v: number[], n: number) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [R, n]);
    const empty = (name: string) => new ort.Tensor('float32', new Float32Array(0), r.rewrite.transposedInputs.includes(name) ? [R, 4, 16, 0] : [R, 4, 0, 16]);
    const pastNames = s.inputNames.filter((n) => n.startsWith('past_key_values'));
    const feeds: Record<string, ort.Tensor> = { input_ids: ids([50257, 50362, 50257, 50362], 2), encoder_hidden_states: hidden, use_cache_branch: new ort.Tensor('bool', Uint8Array.of(0), [1]), logits_mask: noMask() };
    for (const n of pastNames) feeds[n] = empty(n);
    const first = await s.run(feeds);
    for (const n of SELF) {
      const step = first[n.replace('past_key_values', 'step_key_values')]!;
      const present = first[n.replace('past_key_values', 'present')]!;
      expect(step.dims).toEqual(present.dims);
      expect(step.data).toEqual(present.data);
    }
    const next: Record<string, ort.Tensor> = { input_ids: ids([440, 441], 1), encoder_hidden_states: hidden, use_cache_branch: new ort.Tensor('bool', Uint8Array.of(1), [1]), logits_mask: noMask() };
    for (const n of pastNames) next[n] = first[n.replace('past_key_values', 'present')]!;
    const second = await s.run(next);
    for (const n of SELF) {
      const step = second[n.replace('past_key_values', 'step_key_values')]!;
      const present = second[n.replace('past_key_values', 'present')]!;
      expect(step.dims).toEqual([R, 4, 1, 16]);
      expect(present.dims).toEqual([R, 4, 3, 16]);
      const p = present.data as Float32Array;
      const q = step.data as Float32Array;
      for (let bh = 0; bh < R * 4; bh++) expect(Array.from(q.subarray(bh * 16, (bh + 1) * 16))).toEqual(Array.from(p.subarray(bh * 48 + 32, bh * 48 + 48)));
    }
    await s.release();
  });

  it('leaves a graph without the patterns alone and says why', () => {
    const once = rewriteDecoder(readFileSync(decoderFile()));
    if (!once.ok) throw new Error(once.why);
    const twice = rewriteDecoder(once.rewrite.model);
    expect(twice).toEqual({ ok: false, why: 'past_key_values.0.encoder.key is not read through one Transpose in the with-past branch; the decoder already has a step_key_values.0.decoder.key output; the decoder already has a logits_mask' });
    expect(rewriteDecoder(readFileSync(join(tinyModelDir, 'onnx/encoder_model.onnx')))).toEqual({ ok: false, why: "the main graph has 0 If nodes, not the merged decoder's one" });
    const garbage = rewriteDecoder(Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    expect(garbage.ok).toBe(false);
    if (!garbage.ok) expect(garbage.why).toMatch(/could not be parsed/);
  });

  it('makes either edit alone when only its pattern is there', () => {
    // Same-length renames of a string field (by default every node's op_type, NodeProto field
    // 4), so the bytes still parse.
    const renameOp = (bytes: Uint8Array, from: string, to: string, tags = [0x22]) => {
      const out = Buffer.from(bytes);
      let n = 0;
      for (const tag of tags) {
        const pat = Buffer.from([tag, from.length, ...Buffer.from(from)]);
        for (let i = out.indexOf(pat); i >= 0; i = out.indexOf(pat, i + 1), n++) out.write(to, i + 2);
      }
      expect(n).toBeGreaterThan(0);
      return out;
    };
    const noConcat = rewriteDecoder(renameOp(readFileSync(decoderFile()), 'Concat', 'Concaq'));
    if (!noConcat.ok) throw new Error(noConcat.why);
    expect(noConcat.rewrite.transposedInputs).toHaveLength(2);
    expect(noConcat.rewrite.stepOutputs.size).toBe(0);
    expect(noConcat.rewrite.stepWhy).toBe('present.0.decoder.key is not Concat(past_key_values.0.decoder.key, new, axis 2) in the with-past branch');
    const noTranspose = rewriteDecoder(renameOp(readFileSync(decoderFile()), 'Transpose', 'Transposq'));
    if (!noTranspose.ok) throw new Error(noTranspose.why);
    expect(noTranspose.rewrite.transposedInputs).toEqual([]);
    expect(noTranspose.rewrite.keysWhy).toBe('past_key_values.0.encoder.key is not read through one Transpose in the with-past branch');
    expect(noTranspose.rewrite.stepOutputs.size).toBe(4);
    expect(noConcat.rewrite.greedyHead && noTranspose.rewrite.greedyHead).toBe(true);
    // Without a logits output, only the greedy head is left out.
    // (the output's name: ValueInfoProto field 1 and the If node's output, NodeProto field 2)
    const noLogits = rewriteDecoder(renameOp(readFileSync(decoderFile()), 'logits', 'logitz', [0x0a, 0x12]));
    if (!noLogits.ok) throw new Error(noLogits.why);
    expect(noLogits.rewrite.greedyHead).toBe(false);
    expect(noLogits.rewrite.greedyWhy).toBe('the decoder has no typed logits output');
    expect(noLogits.rewrite.stepOutputs.size).toBe(4);
  });

  it('rewrites a decoder whose weights live in an external data file too, reading them from there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wx-extdata-'));
    cpSync(tinyModelDir, dir, { recursive: true });
    // An export with external data: the graph in decoder_model_merged.onnx, the weights in
    // another file of the folder that its initializers reference.
    cpSync(decoderFile(), join(dir, 'onnx/decoder_weights.bin'));
    const { model, externalized } = onnxSkeleton(join(dir, 'onnx/decoder_weights.bin'));
    expect(externalized).toBeGreaterThan(10);
    writeFileSync(join(dir, 'onnx/decoder_model_merged.onnx'), model);
    const m = await WhisperOnnxModel.load(dir, join(dir, 'onnx/encoder_model.onnx'), join(dir, 'onnx/decoder_model_merged.onnx'), opts);
    const plain = await open('', false);
    expect(m.graphRewrite.summary).toBe(BOTH);
    const golden = loadGolden();
    const enc = await plain.encode(goldenFeatures(2), 2);
    const prompt = Int32Array.from(golden.prompts.timestamps);
    const [a, b] = [await plain.decoderSession(enc).start(prompt, 0, Int32Array.of(0, 1)), await m.decoderSession(enc).start(prompt, 0, Int32Array.of(0, 1))];
    expect(maxAbsDiff(a.last, b.last)).toBeLessThan(1e-4 * range(a.last));
    await Promise.all([m.release(), plain.release()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns step 1\'s encoder keys transposed ([B, heads, head_dim, frames]) and the rest as exported', async () => {
    const r = rewriteDecoder(readFileSync(decoderFile()));
    if (!r.ok) throw new Error(r.why);
    const [s, e] = await Promise.all([ort.InferenceSession.create(r.rewrite.model, opts), ort.InferenceSession.create(decoderFile(), opts)]);
    const R = 2;
    const hidden = new ort.Tensor('float32', Float32Array.from({ length: R * 1500 * 64 }, (_, i) => Math.cos(i * 0.11)), [R, 1500, 64]);
    const feeds = (transposed: boolean) => {
      const f: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', BigInt64Array.from([50257n, 50362n, 50257n, 50362n]), [R, 2]), encoder_hidden_states: hidden, use_cache_branch: new ort.Tensor('bool', Uint8Array.of(0), [1]) };
      if (transposed) f.logits_mask = noMask();
      for (const n of s.inputNames.filter((x) => x.startsWith('past_key_values'))) f[n] = new ort.Tensor('float32', new Float32Array(0), transposed && n.endsWith('encoder.key') ? [R, 4, 16, 0] : [R, 4, 0, 16]);
      return f;
    };
    const [a, b] = [await s.run(feeds(true)), await e.run(feeds(false))];
    for (const name of e.outputNames) {
      const x = a[name]!;
      const y = b[name]!;
      if (!/encoder\.key$/.test(name)) {
        expect(x.dims, name).toEqual(y.dims);
        expect(Buffer.from((x.data as Float32Array).buffer).equals(Buffer.from((y.data as Float32Array).buffer)), name).toBe(true);
        continue;
      }
      const [B, H, T, D] = y.dims as number[];
      expect(x.dims, name).toEqual([B, H, D, T]);
      const u = x.data as Float32Array;
      const v = y.data as Float32Array;
      let mismatches = 0;
      for (let bh = 0; bh < B! * H!; bh++) for (let t = 0; t < T!; t++) for (let d = 0; d < D!; d++) if (u[(bh * D! + d) * T! + t] !== v[(bh * T! + t) * D! + d]) mismatches++;
      expect(mismatches, name).toBe(0);
    }
    await Promise.all([s.release(), e.release()]);
  });

  describe.each([
    ['float32', ''],
    ['float16', '_fp16'],
    ['int8', '_int8'],
  ])('%s: the rewritten decoder gives the logits of the exported one', (_type, suffix) => {
    let exported: WhisperOnnxModel;
    let rewritten: WhisperOnnxModel;
    beforeAll(async () => {
      [exported, rewritten] = await Promise.all([open(suffix, false), open(suffix, true)]);
    });
    afterAll(async () => {
      await Promise.all([exported.release(), rewritten.release()]);
    });

    it('reports what it did', () => {
      expect(exported.graphRewrite.summary).toBe('decoder loaded as exported: rewrite turned off');
      expect(rewritten.graphRewrite.summary).toBe(BOTH);
    });

    /** Both decoders over one encoder output of the first three golden inputs, started on the timestamps prompt. */
    const startPair = async () => {
      const golden = loadGolden();
      const inputs = golden.inputs.slice(0, 3);
      const enc = await exported.encode(goldenFeatures(inputs.length), inputs.length);
      const a = exported.decoderSession(enc);
      const b = rewritten.decoderSession(enc);
      const rows = Int32Array.from(inputs.map((_, i) => i));
      const prompt = Int32Array.from(golden.prompts.timestamps);
      const [sa, sb] = [await a.start(prompt, 0, rows), await b.start(prompt, 0, rows)];
      return { golden, a, b, sa, sb, tokens: Int32Array.from(inputs.map((_, i) => 440 + i)) };
    };

    it('over 12 steps for 3 rows, after the rows are reordered too (≤ 1e-4 of the logits range)', async () => {
      const { a, b, sa, sb, tokens: first } = await startPair();
      expect(maxAbsDiff(sa.last, sb.last)).toBeLessThan(1e-4 * range(sa.last));
      let tokens = first;
      for (let step = 0; step < 12; step++) {
        if (step === 6) {
          // Rows leave and swap, as when hypotheses finish or beams reorder.
          a.reorder(Int32Array.of(2, 0));
          b.reorder(Int32Array.of(2, 0));
          tokens = Int32Array.of(tokens[2]!, tokens[0]!);
        }
        const la = await a.step(tokens);
        const lb = await b.step(tokens);
        expect(maxAbsDiff(la, lb)).toBeLessThan(1e-4 * range(la));
        tokens = tokens.map((t) => t + 1);
      }
      a.end();
      b.end();
    });

    it('the greedy head picks the argmax of the masked logits and its log-softmax, as JS does on the exported logits', async () => {
      const { golden, a, b, tokens: first } = await startPair();
      expect(a.greedyInGraph).toBe(false);
      expect(b.greedyInGraph).toBe(true);
      let tokens = first;
      const V = exported.shape.vocabSize;
      for (let step = 0; step < 8; step++) {
        const logits = await a.step(tokens);
        // Suppress each row's own best token (and the golden list): the mask must decide.
        const best = Array.from(tokens, (_, r) => argmax(logits.subarray(r * V, (r + 1) * V)));
        const suppress = Int32Array.from([...golden.suppress_tokens, ...best]);
        const picked = await b.stepGreedy!(tokens, suppress);
        for (let r = 0; r < tokens.length; r++) {
          const row = logits.slice(r * V, (r + 1) * V);
          for (const t of suppress) row[t] = -Infinity;
          const want = argmax(row);
          expect(want).not.toBe(best[r]);
          expect(picked.tokens[r]).toBe(want);
          expect(picked.logprobs[r]).toBeCloseTo(row[want]! - logSumExp(row), 4);
        }
        tokens = Int32Array.from(picked.tokens);
      }
      a.end();
      b.end();
    });

    it('greedy decoding without timestamps: same tokens and log probabilities whether the graph or JS picks', async () => {
      const golden = loadGolden();
      const inputs = golden.inputs.slice(0, 3);
      const features = goldenFeatures(inputs.length);
      const sp = WhisperTokenizer.fromModelFolder(tinyModelDir).specials;
      const prompt = Int32Array.from(golden.prompts.notimestamps);
      const options = { temperature: 0, beamSize: 1, bestOf: 1, sampleLen: 40, withoutTimestamps: true, maxInitialTimestampIndex: null, suppressTokens: golden.suppress_tokens, suppressBlank: true, blankTokens: [220], random: Math.random };
      let graphSteps = 0;
      // One encoder output for both: the decoders alone are compared.
      const enc = await exported.encode(features, inputs.length);
      const run = async (m: WhisperOnnxModel) => {
        const session = m.decoderSession(enc);
        const inner = session.stepGreedy?.bind(session);
        if (inner) session.stepGreedy = (t, s) => (graphSteps++, inner(t, s));
        return decodeRows(session, sp, prompt, 0, inputs.length, options);
      };
      const ra = await run(exported);
      expect(graphSteps).toBe(0);
      const rb = await run(rewritten);
      expect(graphSteps).toBeGreaterThan(10);
      expect(rb.map((r) => r.tokens)).toEqual(ra.map((r) => r.tokens));
      // onnxruntime's float32 log-softmax against JS's float64 sum: a few 1e-6 apart.
      ra.forEach((r, i) => expect(rb[i]!.avgLogprob).toBeCloseTo(r.avgLogprob, 4));
      expect(ra.some((r) => r.tokens.length > 3)).toBe(true);
    });

    it('beam search (5 beams, timestamps, rows repeated and dropped as beams move) gives the exported decoder\'s tokens', async () => {
      const golden = loadGolden();
      const inputs = golden.inputs.slice(0, 2);
      const features = goldenFeatures(inputs.length);
      const sp = WhisperTokenizer.fromModelFolder(tinyModelDir).specials;
      const prompt = Int32Array.from(golden.prompts.timestamps);
      const options = { temperature: 0, beamSize: 5, bestOf: 1, sampleLen: 24, withoutTimestamps: false, maxInitialTimestampIndex: 50, suppressTokens: golden.suppress_tokens, suppressBlank: true, blankTokens: [220], random: Math.random };
      const enc = await exported.encode(features, inputs.length);
      const run = async (m: WhisperOnnxModel) => decodeRows(m.decoderSession(enc), sp, prompt, 0, inputs.length, options);
      const [ra, rb] = [await run(exported), await run(rewritten)];
      expect(rb.map((r) => r.tokens)).toEqual(ra.map((r) => r.tokens));
      ra.forEach((r, i) => expect(rb[i]!.avgLogprob).toBeCloseTo(r.avgLogprob, 4));
      expect(ra.some((r) => r.tokens.length > 3)).toBe(true);
    });
  });
});

function range(a: Float32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of a) {
    if (x > hi) hi = x;
    if (x < lo) lo = x;
  }
  return hi - lo;
}
