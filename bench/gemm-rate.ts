/**
 * The float32 GEMM rate onnxruntime-node reaches on this machine (GFLOP/s), for the
 * "machine limit" of the benchmark: a MatMul shaped like the encoder's FFN and one like
 * the decoder's logits projection at batch 8 — and the memory bandwidth a ReduceSum over
 * 256 MB reaches (a decoder step at batch 8 mostly streams weights and cached keys/values).
 *   npx tsx bench/gemm-rate.ts THREADS   → JSON on stdout
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const threads = Number(process.argv[2] ?? 0);
const work = join('bench', '.work');
mkdirSync(work, { recursive: true });
const shapes: Array<[string, number, number, number]> = [
  ['encoder FFN 1500x512 @ 512x2048', 1500, 512, 2048],
  ['decoder logits 8x512 @ 512x51864', 8, 512, 51864],
];
const out: Array<{ name: string; gflops: number; msPerRun: number }> = [];
for (const [name, m, k, n] of shapes) {
  const file = join(work, `matmul-${m}x${k}x${n}.onnx`);
  if (!existsSync(file)) execFileSync('/usr/bin/python3', [join('bench', 'make-matmul.py'), String(m), String(k), String(n), file]);
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: threads || undefined, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const a = new ort.Tensor('float32', new Float32Array(m * k).map(() => Math.random() - 0.5), [m, k]);
  for (let i = 0; i < 3; i++) await s.run({ A: a });
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    const runs = 5;
    for (let i = 0; i < runs; i++) await s.run({ A: a });
    best = Math.min(best, (performance.now() - t0) / runs);
  }
  out.push({ name, msPerRun: best, gflops: (2 * m * k * n) / (best / 1000) / 1e9 });
  await s.release();
}

// Read bandwidth: ReduceSum over rows of a 256 MB float32 input (read once, output tiny).
const rows = 65536;
const cols = 1024;
const reduceFile = join(work, `reduce-${rows}x${cols}.onnx`);
if (!existsSync(reduceFile)) execFileSync('/usr/bin/python3', [join('bench', 'make-reduce.py'), String(rows), String(cols), reduceFile]);
const rs = await ort.InferenceSession.create(reduceFile, { intraOpNumThreads: threads || undefined, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
const big = new ort.Tensor('float32', new Float32Array(rows * cols).fill(1), [rows, cols]);
for (let i = 0; i < 2; i++) await rs.run({ A: big });
let bestMs = Infinity;
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  await rs.run({ A: big });
  bestMs = Math.min(bestMs, performance.now() - t0);
}
await rs.release();
const bandwidthGBs = (rows * cols * 4) / (bestMs / 1000) / 1e9;
process.stdout.write(JSON.stringify({ threads, shapes: out, bandwidthGBs }));
