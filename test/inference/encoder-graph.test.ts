import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { sessionOptions } from '../../main/inference/engine/providers';
import { rewriteEncoder } from '../../main/inference/whisper/encoder-graph';
import { nodeInfo, Wire } from '../../main/inference/whisper/onnx-proto';
import { WhisperOnnxModel } from '../../main/inference/whisper/onnx-model';
import { goldenFeatures, loadGolden, maxAbsDiff, tinyModelDir } from './golden';

const opts = sessionOptions({ device: 'cpu', deviceId: 0, threads: 1, optimize: true }, 'cpu');
const encoderFile = (suffix = '') => join(tinyModelDir, `onnx/encoder_model${suffix}.onnx`);
const HEADS = 4;

/** Op types of the main graph's nodes, counted. */
function ops(bytes: Uint8Array): Record<string, number> {
  const w = new Wire(bytes);
  const graph = w.fields(0, bytes.length).find((f) => f.no === 7)!;
  const out: Record<string, number> = {};
  for (const f of w.fields(graph.valStart, graph.end)) if (f.no === 1) {
    const op = nodeInfo(w, f).op;
    out[op] = (out[op] ?? 0) + 1;
  }
  return out;
}

async function encode(model: Uint8Array | string, features: Float32Array, n: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(model as Uint8Array, opts);
  const out = await s.run({ input_features: new ort.Tensor('float32', features, [n, 80, features.length / n / 80]) });
  await s.release();
  return Object.values(out)[0]!.data as Float32Array;
}

describe('encoder graph rewrite: self-attention fused into MultiHeadAttention', () => {
  it('replaces every attention block and drops what only fed them (no Softmax or score MatMul left)', () => {
    const before = ops(readFileSync(encoderFile()));
    const r = rewriteEncoder(readFileSync(encoderFile()), HEADS);
    if (!r.ok) throw new Error(r.why);
    expect(r.rewrite.fused).toBe(2);
    const after = ops(r.rewrite.model);
    expect(before.Softmax).toBe(2);
    expect(after.Softmax).toBeUndefined();
    expect(after.MultiHeadAttention).toBe(2);
    // Two score products per block are gone; the projections and MLP remain.
    expect(after.MatMul).toBe(before.MatMul! - 4);
  });

  it('gives the exported encoder\'s output to float32 rounding, for a batch of golden inputs', async () => {
    const golden = loadGolden();
    const n = Math.min(3, golden.inputs.length);
    const features = goldenFeatures(n);
    const r = rewriteEncoder(readFileSync(encoderFile()), HEADS);
    if (!r.ok) throw new Error(r.why);
    const [a, b] = [await encode(encoderFile(), features, n), await encode(r.rewrite.model, features, n)];
    expect(b.length).toBe(a.length);
    let scale = 0;
    for (const x of a) scale = Math.max(scale, Math.abs(x));
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5 * scale);
  });

  it('is made for the quantized (int8) encoder too, whose attention products stay float', () => {
    const r = rewriteEncoder(readFileSync(encoderFile('_int8')), HEADS);
    if (!r.ok) throw new Error(r.why);
    expect(r.rewrite.fused).toBe(2);
  });

  it('refuses a float16 encoder, a rewritten one, a non-encoder, a wrong head count and garbage, saying why', () => {
    expect(rewriteEncoder(readFileSync(encoderFile('_fp16')), HEADS)).toEqual({ ok: false, why: "its weights are float16 (onnxruntime's CPU MultiHeadAttention is float32 only)" });
    const once = rewriteEncoder(readFileSync(encoderFile()), HEADS);
    if (!once.ok) throw new Error(once.why);
    expect(rewriteEncoder(once.rewrite.model, HEADS)).toEqual({ ok: false, why: 'no self-attention block has the Q·Kᵀ → Softmax → ·V pattern' });
    expect(rewriteEncoder(readFileSync(join(tinyModelDir, 'onnx/decoder_model_merged.onnx')), HEADS)).toEqual({ ok: false, why: 'the encoder has no input_features input' });
    expect(rewriteEncoder(readFileSync(encoderFile()), 0)).toEqual({ ok: false, why: 'the config gives no encoder_attention_heads' });
    // A config that disagrees with the graph's own head split would fuse the wrong attention.
    expect(rewriteEncoder(readFileSync(encoderFile()), 8)).toEqual({ ok: false, why: 'its attention splits into 4 heads, config.json says 8' });
    const garbage = rewriteEncoder(Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), HEADS);
    expect(garbage.ok).toBe(false);
    if (!garbage.ok) expect(garbage.why).toMatch(/could not be parsed/);
  });

  it('the model loader uses it on CPU and says so; with the rewrite off the encoder loads as exported', async () => {
    const load = (rewrite: boolean, suffix = '') => WhisperOnnxModel.load(tinyModelDir, encoderFile(suffix), join(tinyModelDir, `onnx/decoder_model_merged${suffix}.onnx`), opts, rewrite);
    const [on, off, half] = await Promise.all([load(true), load(false), load(true, '_fp16')]);
    expect(on.graphRewrite.encoderSummary).toBe('self-attention fused into MultiHeadAttention (2 layers)');
    expect(off.graphRewrite.encoderSummary).toBe('encoder loaded as exported: rewrite turned off');
    expect(half.graphRewrite.encoderSummary).toBe("encoder loaded as exported: its weights are float16 (onnxruntime's CPU MultiHeadAttention is float32 only)");
    const features = goldenFeatures(2);
    const [a, b] = [await on.encode(features, 2), await off.encode(features, 2)];
    expect(maxAbsDiff(a.data as Float32Array, b.data as Float32Array)).toBeLessThan(1e-4);
    await Promise.all([on.release(), off.release(), half.release()]);
  });
});
