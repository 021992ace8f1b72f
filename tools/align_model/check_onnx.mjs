// The exported ONNX model against torch: runs every parity case that export.py wrote to
// tools/.work/align/parity/ through onnxruntime-node and prints the max abs logit
// difference; exits 1 when one is over 1e-3 or a shape differs. With --logits WAV... it also
// writes each wav's ONNX logits (float32 [frames][32]) next to the parity cases, for goldens.py.
// usage: node tools/align_model/check_onnx.mjs [models/align-demo-en] [--logits a.wav b.wav]
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { readWav } from '../demo_model/wav.mjs';

const args = process.argv.slice(2);
const li = args.indexOf('--logits');
const wavs = li >= 0 ? args.slice(li + 1) : [];
const modelDir = path.resolve((li === 0 ? undefined : args[0]) ?? 'models/align-demo-en');
const parity = path.resolve('tools/.work/align/parity');
const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'model.onnx'));
console.log('inputs', session.inputNames, 'outputs', session.outputNames);

const readF32 = (file) => {
  const b = fs.readFileSync(file); // small files share a pooled ArrayBuffer: copy exactly this file
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
let failures = 0;
for (const c of JSON.parse(fs.readFileSync(path.join(parity, 'manifest.json'), 'utf8'))) {
  const input = new ort.Tensor('float32', readF32(path.join(parity, `${c.name}.in.f32`)), c.input_shape);
  const { logits } = await session.run({ input_values: input });
  const want = readF32(path.join(parity, `${c.name}.logits.f32`));
  const sameShape = JSON.stringify(logits.dims) === JSON.stringify(c.logits_shape);
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i] - logits.data[i]));
  const ok = sameShape && maxDiff <= 1e-3;
  if (!ok) failures++;
  console.log(ok ? 'ok  ' : 'FAIL', c.name, 'input', c.input_shape, 'logits', logits.dims, 'max abs diff', maxDiff.toExponential(2));
}
for (const wav of wavs) {
  const audio = readWav(wav);
  const { logits } = await session.run({ input_values: new ort.Tensor('float32', audio, [1, audio.length]) });
  const out = path.join(parity, `${path.basename(wav, '.wav')}.onnx_logits.f32`);
  fs.writeFileSync(out, Buffer.from(logits.data.buffer, logits.data.byteOffset, logits.data.byteLength));
  console.log('wrote', out, logits.dims);
}
process.exit(failures ? 1 : 0);
