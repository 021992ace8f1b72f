import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { sessionOptions } from '../../main/inference/engine/providers';
import { onnxSkeleton } from '../../main/inference/whisper/onnx-skeleton';
import { goldenFeatures, tinyModelDir } from './golden';

const opts = sessionOptions({ device: 'cpu', deviceId: 0, threads: 1, optimize: true }, 'cpu');
const fromFolder = (file: string): ort.InferenceSession.SessionOptions => ({ ...opts, extra: { session: { model_external_initializers_file_folder_path: dirname(file) } } });

describe('ONNX skeleton: the graph without its weights, which stay in the file', () => {
  it('keeps a fraction of the files, every large initializer a reference into the file', () => {
    // The tiny test model is mostly graph (4–34 % of its files stay); a base-shaped decoder
    // keeps 375 KB of 208 MB.
    for (const name of ['encoder_model.onnx', 'decoder_model_merged.onnx', 'decoder_model_merged_int8.onnx']) {
      const file = join(tinyModelDir, 'onnx', name);
      const { model, externalized } = onnxSkeleton(file);
      expect(externalized, name).toBeGreaterThan(10);
      expect(model.length, name).toBeLessThan(0.4 * statSync(file).size);
      expect(Buffer.from(model).includes(Buffer.from(name)), name).toBe(true); // the location of the references
    }
  });

  it('onnxruntime loads it from memory with the weights read from the folder: outputs bit-identical to the file', async () => {
    const file = join(tinyModelDir, 'onnx/encoder_model.onnx');
    const [a, b] = await Promise.all([ort.InferenceSession.create(file, opts), ort.InferenceSession.create(onnxSkeleton(file).model, fromFolder(file))]);
    const input = { input_features: new ort.Tensor('float32', goldenFeatures(1), [1, 80, 3000]) };
    const [x, y] = [Object.values(await a.run(input))[0]!.data as Float32Array, Object.values(await b.run(input))[0]!.data as Float32Array];
    expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength))).toBe(true);
    await Promise.all([a.release(), b.release()]);
  });

  it('really leaves the weights out: without the folder onnxruntime cannot find them', async () => {
    const file = join(tinyModelDir, 'onnx/encoder_model.onnx');
    await expect(ort.InferenceSession.create(onnxSkeleton(file).model, { ...opts, extra: { session: { model_external_initializers_file_folder_path: tmpdir() } } })).rejects.toThrow();
  });

  it('keeps references an external-data export already has, and fails clearly on a truncated file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wx-skel-'));
    const weights = join(dir, 'weights.bin');
    writeFileSync(weights, readFileSync(join(tinyModelDir, 'onnx/encoder_model.onnx')));
    const graph = onnxSkeleton(weights).model;
    writeFileSync(join(dir, 'encoder_model.onnx'), graph);
    const again = onnxSkeleton(join(dir, 'encoder_model.onnx'));
    expect(again.externalized).toBe(0);
    expect(Buffer.from(again.model).equals(Buffer.from(graph))).toBe(true);
    const whole = readFileSync(join(tinyModelDir, 'onnx/encoder_model.onnx'));
    writeFileSync(join(dir, 'cut.onnx'), whole.subarray(0, Math.floor(whole.length / 2)));
    expect(() => onnxSkeleton(join(dir, 'cut.onnx'))).toThrow(/truncated|runs past/);
    rmSync(dir, { recursive: true, force: true });
  });
});
