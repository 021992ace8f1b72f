/**
 * Word-timestamp accuracy of the product's alignment stage (main/inference/align) on the
 * demo aligner's held-out splits: each utterance is one segment [0, duration], as
 * tools/align_model/evaluate.py does with its Python port of WhisperX.
 *
 *   npx tsx tools/eval-alignment.ts [--model models/align-demo-en] [--data tools/.work/align/data] [--limit N]
 *
 * The splits come from `tools/align_model/gen_data.py` (int16 audio.npy + index.json with the
 * true word boundaries).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { alignSegments, loadAligner } from '../main/inference/align';

const { values } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' }, limit: { type: 'string' } } });
const modelDir = resolve(values.model ?? 'models/align-demo-en');
const dataDir = resolve(values.data ?? 'tools/.work/align/data');
const limit = values.limit ? Number(values.limit) : Infinity;

interface Entry {
  offset: number;
  num_samples: number;
  text: string;
  words: Array<{ word: string; start: number; end: number }>;
}

function int16Npy(file: string): Int16Array {
  const buf = readFileSync(file);
  const headerLen = buf.readUInt8(6) === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (buf.readUInt8(6) === 1 ? 10 : 12) + headerLen;
  if (!/'descr':\s*'<i2'/.test(buf.toString('latin1', 0, start))) throw new Error(`${file}: expected int16 (<i2)`);
  return new Int16Array(new Uint8Array(buf.subarray(start)).buffer);
}

const aligner = await loadAligner(modelDir, { intraOpNumThreads: 1 });
const rows: string[] = [];
for (const split of ['heldout', 'unseen']) {
  const dir = join(dataDir, split);
  if (!existsSync(join(dir, 'index.json'))) {
    console.error(`${dir}: no split (run tools/align_model/gen_data.py)`);
    continue;
  }
  const index = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Entry[]).slice(0, limit);
  const audio = int16Npy(join(dir, 'audio.npy'));
  const startErr: number[] = [];
  const endErr: number[] = [];
  let failed = 0;
  for (const e of index) {
    const samples = new Float32Array(e.num_samples);
    for (let i = 0; i < e.num_samples; i++) samples[i] = audio[e.offset + i]! / 32768;
    const duration = e.num_samples / 16000;
    const r = await alignSegments([{ id: 0, start: 0, end: duration, text: e.text }], { sampleRate: 16000, samples, offset: 0 }, aligner, { language: 'en' });
    const words = r.word_segments;
    if (words.length !== e.words.length || words.some((w) => w.start === undefined)) {
      failed++;
      continue;
    }
    e.words.forEach((t, i) => {
      startErr.push(Math.abs(words[i]!.start! - t.start));
      endErr.push(Math.abs(words[i]!.end! - t.end));
    });
  }
  const within = (xs: number[], s: number) => xs.filter((x) => x <= s).length / Math.max(1, xs.length);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  rows.push(
    `| ${split} | ${index.length} | ${startErr.length} | ${(100 * within(startErr, 0.1)).toFixed(1)}% | ${(1000 * mean(startErr)).toFixed(1)} ms | ${(100 * within(endErr, 0.1)).toFixed(1)}% | ${(1000 * mean(endErr)).toFixed(1)} ms | ${failed} |`,
  );
}
await aligner.release();
console.log('| split | utterances | words | starts within 100 ms | start MAE | ends within 100 ms | end MAE | failed |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
