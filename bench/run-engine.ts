/**
 * One benchmark run of this engine (its own process, so peak RSS is its own):
 *   npx tsx bench/run-engine.ts MODEL_DIR BATCH THREADS VAD(0|1) FILE...   → JSON on stdout
 */
import { resolve } from 'node:path';
import { WhisperEngine } from '../main/inference/engine/engine';

const [modelDir, batch, threads, vad, ...files] = process.argv.slice(2);
const engine = new WhisperEngine({
  modelDir: resolve(modelDir!),
  profile: { device: 'cpu', device_id: 0, batch_size: Number(batch), faster_whisper_threads: Number(threads), compute_type: 'float32', use_faster_whisper: true, beam_size: 1 },
  ...(vad === '1' ? {} : { vadModelPath: null }),
});
const t0 = performance.now();
await engine.load();
const loadMs = performance.now() - t0;
const perFile: Array<Record<string, unknown>> = [];
const rss: number[] = [];
let audioS = 0;
const t1 = performance.now();
for (const file of files) {
  const r = await engine.transcribe(file, {
    vad: vad === '1',
    beamSize: 1,
    // Same decoding as transformers.js's pipeline: greedy, no fallback, no no-speech skip.
    decoding: { temperatures: [0], noSpeechThreshold: null, logProbThreshold: null, compressionRatioThreshold: null },
  });
  audioS += r.transcript.duration;
  rss.push(process.memoryUsage().rss);
  perFile.push({
    file,
    duration: r.transcript.duration,
    chunks: r.chunks,
    timings: r.timings,
    segments: r.transcript.segments.map((s) => ({ start: s.start, end: s.end, text: s.text, tokens: s.tokens?.length ?? 0 })),
  });
}
const wallMs = performance.now() - t1;
await engine.unload();
process.stdout.write(
  JSON.stringify({ loadMs, wallMs, audioS, maxRssBytes: process.resourceUsage().maxRSS * 1024, rssAfterEachFile: rss, perFile, status: 'ok' }),
);
