// onnxruntime-node parity for the diarization demo models: runs both ONNX files on the inputs
// export.py saved (tools/.work/diarize/parity/*.f32) and on the goldens' conversation-1.wav,
// and prints the max abs difference against torch (and the models' input/output names).
// usage: node tools/diarize_model/check_onnx.mjs   (exit 1 if a difference exceeds 1e-3)
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const models = path.join(root, 'models', 'diarize-demo');
const golden = path.join(root, 'test', 'golden', 'diarize-demo');
const parity = path.join(root, 'tools', '.work', 'diarize', 'parity');
const f32 = (name) => {
  const b = fs.readFileSync(path.join(parity, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
let failures = 0;

function maxAbs(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function report(what, diff) {
  const ok = diff <= 1e-3;
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: max abs diff ${diff.toExponential(2)}`);
}
function readWav16(file) {
  const b = fs.readFileSync(file);
  let off = 12;
  while (b.toString('ascii', off, off + 4) !== 'data') off += 8 + b.readUInt32LE(off + 4);
  const n = b.readUInt32LE(off + 4) / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = b.readInt16LE(off + 8 + 2 * i) / 32768;
  return out;
}
async function open(kind) {
  const s = await ort.InferenceSession.create(path.join(models, kind, 'model.onnx'));
  console.log(kind, 'inputs', s.inputNames, 'outputs', s.outputNames);
  return s;
}

const seg = await open('segmentation');
const x = f32('seg_x.f32');
const y = (await seg.run({ x: new ort.Tensor('float32', x, [1, 1, 160000]) })).y;
console.log('segmentation y dims', y.dims);
report('segmentation y vs torch (full window)', maxAbs(y.data, f32('seg_y.f32')));
const wav = readWav16(path.join(golden, 'conversation-1.wav'));
report('conversation-1.wav[0:160000] vs parity input', maxAbs(wav.subarray(0, 160000), x));
const sj = JSON.parse(fs.readFileSync(path.join(golden, 'segmentation.json'), 'utf8'));
const yw = (await seg.run({ x: new ort.Tensor('float32', wav.slice(0, 160000), [1, 1, 160000]) })).y.data;
let d = 0;
for (const { frame, y: ref } of sj.frames) ref.forEach((v, c) => { d = Math.max(d, Math.abs(v - yw[frame * 7 + c])); });
report('segmentation.json frames', d);
// batch of 2 (dynamic N): second item = same window, must equal the first
const x2 = new Float32Array(320000); x2.set(x); x2.set(x, 160000);
const y2 = (await seg.run({ x: new ort.Tensor('float32', x2, [2, 1, 160000]) })).y.data;
report('segmentation batch 2 vs batch 1', maxAbs(y2.subarray(589 * 7), y.data));

const emb = await open('embedding');
const feats = f32('emb_feats.f32');
const T = feats.length / 80;
const e = (await emb.run({ feats: new ort.Tensor('float32', feats, [1, T, 80]) })).embs;
console.log('embedding embs dims', e.dims);
report('embedding embs vs torch', maxAbs(e.data, f32('emb_embs.f32')));
const ej = JSON.parse(fs.readFileSync(path.join(golden, 'embedding.json'), 'utf8'));
report('embedding.json', maxAbs(e.data, Float32Array.from(ej.embs)));
const half = feats.slice(0, 80 * Math.floor(T / 2));
const eh = (await emb.run({ feats: new ort.Tensor('float32', half, [1, Math.floor(T / 2), 80]) })).embs;
console.log('embedding with T/2 frames (dynamic T):', eh.dims);
process.exit(failures ? 1 : 0);
