// One benchmark run of @huggingface/transformers's ASR pipeline on the same model folder and
// the same 30 s windows as the engine's --no-vad path (its own process: its onnxruntime copy
// cannot share one with the repo's).
//   node bench/run-transformers.mjs MODEL_DIR THREADS FILE...   → JSON on stdout
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const [modelDir, threads, ...files] = process.argv.slice(2);
const { pipeline, env } = await import('@huggingface/transformers');
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(path.resolve(modelDir)) + path.sep;
const t0 = performance.now();
const asr = await pipeline('automatic-speech-recognition', path.basename(modelDir), {
  dtype: 'fp32',
  session_options: { intraOpNumThreads: Number(threads), interOpNumThreads: 1 },
});
const loadMs = performance.now() - t0;

function decode(file) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '1', '-ar', '16000', '-'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg failed on ${file}: ${r.stderr}`);
  return new Float32Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength / 4);
}

const perFile = [];
let audioS = 0;
const t1 = performance.now();
for (const file of files) {
  const samples = decode(file);
  audioS += samples.length / 16000;
  const windows = [];
  for (let s = 0; s < samples.length; s += 480000) {
    const piece = samples.slice(s, Math.min(samples.length, s + 480000));
    const { text } = await asr(piece, { max_new_tokens: 224 });
    windows.push({ start: s / 16000, text });
  }
  perFile.push({ file, windows });
}
const wallMs = performance.now() - t1;
process.stdout.write(JSON.stringify({ loadMs, wallMs, audioS, maxRssBytes: process.resourceUsage().maxRSS * 1024, perFile }));
