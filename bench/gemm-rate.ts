/**
 * The float32 GEMM rate onnxruntime-node reaches on this machine (GFLOP/s), for the
 * "machine limit" of the benchmark: a MatMul shaped like the encoder's FFN and one like
 * the decoder's logits projection at batch 8.
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
process.stdout.write(JSON.stringify({ threads, shapes: out }));
