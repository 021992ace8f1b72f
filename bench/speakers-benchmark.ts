/**
 * What alignment and diarization cost next to ASR (issue: diarization ≤ 25% of ASR time;
 * WhisperX users report 80–90% of wall time in pyannote). One process, the engine's worker
 * thread, CPU; a multi-speaker espeak-ng conversation in the console's vocabulary.
 *
 *   npx tsx bench/speakers-benchmark.ts [--minutes 3] [--threads 2]
 *       [--model models/whisperx-demo-en] [--model tools/.work/bench-models/base-en ...]
 *
 * Per model: a plain run, then --align --diarize (alignment only where the model's words are
 * real: the demo model). A random-weight model never stops early, so its decoder is capped at
 * --tokens-per-chunk (default 100 per 30 s chunk, about 3.3 tokens a second, what real
 * speech gives) to stand in for a trained model of that size.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../main/core/config/loader';
import { inspectModelFolder } from '../main/inference/catalog';
import { WhisperEngine } from '../main/inference/engine/engine';
import { speakerModelsFromConfig } from '../main/inference/speakers';

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(cpus().length) },
    model: { type: 'string', multiple: true, default: ['models/whisperx-demo-en', 'tools/.work/bench-models/base-en'] },
    'tokens-per-chunk': { type: 'string', default: '100' },
  },
});
const work = resolve('bench', '.work', 'speakers');
mkdirSync(work, { recursive: true });
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

const vocab = 'zero one two three four five six seven eight nine gpu lock release restart service status check health alert error warning critical high medium low memory disk redis queue job worker model batch log clean cache backup failed done start stop'.split(' ');
const voices = [
  ['-v', 'en-us+m3', '-p', '35', '-s', '165'],
  ['-v', 'en-gb+f2', '-p', '70', '-s', '150'],
  ['-v', 'en-029+m5', '-p', '50', '-s', '175'],
];

/** A conversation of three speakers taking turns, about `minutes` long (cached). */
function conversation(minutes: number): string {
  const out = join(work, `conversation-${minutes}min.wav`);
  if (existsSync(out)) return out;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const parts: string[] = [];
  let t = 0;
  for (let i = 0; t < minutes * 60; i++) {
    const v = voices[i % voices.length]!;
    const words = Array.from({ length: 2 + Math.floor(rand() * 5) }, () => vocab[Math.floor(rand() * vocab.length)]!);
    const raw = join(work, `t${i}.raw.wav`);
    const clip = join(work, `t${i}.wav`);
    const gap = join(work, `g${i}.wav`);
    execFileSync('espeak-ng', [...v, '-w', raw, words.join(' ')]);
    execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', clip, 'silence', '1', '0.01', '0.5%', 'reverse', 'silence', '1', '0.01', '0.5%', 'reverse']);
    const g = 0.3 + rand() * 0.9;
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', gap, 'trim', '0', g.toFixed(3)]);
    parts.push(clip, gap);
    t += Number(execFileSync('soxi', ['-D', clip], { encoding: 'utf8' })) + g;
  }
  execFileSync('sox', [...parts, out]);
  return out;
}

const cfg = loadConfig(resolve('config.yml'), { dataDir: join(work, 'data') });
const speakers = speakerModelsFromConfig(cfg);
const wav = conversation(Number(a.minutes));
const threads = Number(a.threads);
log(`audio ${wav}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

const rows: string[] = [];
for (const m of a.model!) {
  const dir = resolve(m);
  if (!existsSync(join(dir, 'config.json'))) {
    log(`${m}: not there, skipped (tools/build_test_model.py --shape base builds base-en)`);
    continue;
  }
  const demo = inspectModelFolder(dir).demo;
  const engine = new WhisperEngine({
    modelDir: dir,
    profile: { device: 'cpu', device_id: 0, batch_size: 4, faster_whisper_threads: threads, compute_type: 'float32', use_faster_whisper: true, beam_size: 1 },
    speakers,
  });
  const decoding = demo ? { temperatures: [0] } : { temperatures: [0], sampleLen: Number(a['tokens-per-chunk']), noSpeechThreshold: null, logProbThreshold: null, compressionRatioThreshold: null };
  await engine.load();
  log(`${basename(dir)}: plain run`);
  const plain = await engine.transcribe(wav, { decoding });
  log(`${basename(dir)}: ${demo ? '--align ' : ''}--diarize run`);
  const full = await engine.transcribe(wav, { decoding, diarize: true, ...(demo ? { align: true } : {}) });
  await engine.unload();
  const t = full.timings;
  const asr = t.vad_ms + t.features_ms + t.encode_ms + t.decoder_ms;
  const audio = full.transcript.duration;
  const spm = (ms: number) => ((ms / 1000) * 60) / audio;
  rows.push(
    `| ${basename(dir)} | ${audio.toFixed(0)} | ${spm(plain.timings.total_ms).toFixed(2)} | ${spm(asr).toFixed(2)} | ${demo ? spm(t.align_ms).toFixed(2) : '–'} | ${spm(t.diarize_ms).toFixed(2)} | ${((100 * t.diarize_ms) / asr).toFixed(1)}% | ${demo ? `${((100 * t.align_ms) / asr).toFixed(1)}%` : '–'} | ${full.transcript.speakers?.length ?? 0} |`,
  );
}
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${threads} ORT threads; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`);
console.log('');
console.log('| ASR model | audio s | plain run, s per audio min | ASR (VAD + mel + encoder + decoder), s/min | align, s/min | diarize, s/min | diarize / ASR | align / ASR | speakers found |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
