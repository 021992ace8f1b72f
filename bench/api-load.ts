/**
 * API latency under load (issue 7): loopback load on /health, /api/v1/monitoring/alerts and
 * /metrics — 200 requests/s in all for 60 s — while the inference engine transcribes a
 * generated speech file in its worker thread, with monitoring sampling and alert
 * evaluation running as in production. Writes the "## API latency under load" section
 * of docs/performance.md (other sections are left as they are).
 *
 *   npx tsx bench/api-load.ts [--rate 200] [--duration 60] [--no-engine] [--no-write]
 *
 * Bounded: autocannon stops after --duration (and at most rate × duration requests);
 * everything listens on 127.0.0.1 only.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { loadConfig } from '../main/core/config/loader';
import { WhisperEngine } from '../main/inference/engine/engine';
import { startServer } from '../main/server';
import { repoRoot, writeTestConfig } from '../test/helpers/console';
import { startTestRedis } from '../test/helpers/redis';

const exec = promisify(execFile);
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rate = arg('rate', 200);
const duration = arg('duration', 60);
const withEngine = !process.argv.includes('--no-engine');
const write = !process.argv.includes('--no-write');
const targets = ['/health', '/api/v1/monitoring/alerts', '/metrics'];

interface CannonResult {
  latency: { p50: number; p97_5: number; p99: number; average: number; max: number };
  requests: { total: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

/** autocannon in its own process, so the load generator does not share the server's event loop. */
function cannon(url: string, perSecond: number): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    const bin = join(repoRoot, 'node_modules/autocannon/autocannon.js');
    const child = spawn(process.execPath, [bin, '-j', '-R', String(perSecond), '-d', String(duration), '-c', '10', '-t', '10', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as CannonResult);
      } catch {
        reject(new Error(`autocannon exited with ${code}: ${err.slice(-500)}`));
      }
    });
  });
}

async function speechFile(dir: string): Promise<string> {
  const text = 'The operator console keeps the transcription service healthy. Alerts fire when a threshold is crossed, and the operator acknowledges them. ';
  const raw = join(dir, 'speech.espeak.wav');
  const out = join(dir, 'speech.wav');
  await exec('espeak-ng', ['-v', 'en', '-s', '160', '-w', raw, text.repeat(3)]);
  await exec('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', out]);
  return out;
}

function section(rows: string[], notes: string[]): string {
  return ['## API latency under load', '', ...notes, '', '| Phase | Route | Requests | Rate (req/s) | p50 (ms) | p97.5 (ms) | p99 (ms) | max (ms) | Errors | Non-2xx |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|', ...rows, ''].join('\n');
}

/** Replaces our section of docs/performance.md (or appends it), leaving the others alone. */
function writeSection(text: string): string {
  const file = join(repoRoot, 'docs/performance.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Performance\n\nMeasured figures; each section says how to reproduce it.\n';
  const start = current.indexOf('## API latency under load');
  let next: string;
  if (start < 0) next = `${current.trimEnd()}\n\n${text}`;
  else {
    const after = current.indexOf('\n## ', start + 1);
    next = `${current.slice(0, start)}${text}${after < 0 ? '' : `\n${current.slice(after + 1)}`}`;
  }
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
  return file;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'wxc-bench-'));
  const redis = await startTestRedis();
  const { file } = writeTestConfig({ 'redis.url': redis.url, 'model.name': 'test-tiny-en' }, work);
  const server = await startServer({ config: loadConfig(file), port: 0, watchConfig: false });
  let engine: WhisperEngine | undefined;
  let transcribing: Promise<void> = Promise.resolve();
  let stop = false;
  try {
    const per = Math.floor(rate / targets.length);
    const rates = targets.map((_, i) => per + (i < rate - per * targets.length ? 1 : 0));
    const loadBefore = os.loadavg()[0]!;

    /** One load phase; returns its table rows and a one-line summary. */
    const phase = async (label: string): Promise<{ rows: string[]; summary: string }> => {
      console.log(`${label}: ${rate} req/s for ${duration} s on ${targets.join(', ')}`);
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const results = await Promise.all(targets.map((p, i) => cannon(`${server.url}${p}`, rates[i]!)));
      loop.disable();
      const rows = targets.map((p, i) => {
        const r = results[i]!;
        return `| ${label} | \`${p}\` | ${r.requests.total} | ${(r.requests.total / duration).toFixed(0)} | ${r.latency.p50} | ${r.latency.p97_5} | ${r.latency.p99} | ${r.latency.max} | ${r.errors + r.timeouts} | ${r.non2xx} |`;
      });
      const total = results.reduce((a, r) => a + r.requests.total, 0);
      const errors = results.reduce((a, r) => a + r.errors + r.timeouts, 0);
      const worst = Math.max(...results.map((r) => r.latency.p99));
      const summary = `${label}: ${total} requests (${(total / duration).toFixed(0)} req/s achieved), worst p99 ${worst} ms, ${errors} errors; main-thread event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms.`;
      return { rows, summary };
    };

    // CPU per request inside the server (no network, no load): separates handler cost from scheduling delay.
    const cost: Record<string, number> = {};
    for (const p of targets) {
      const inject = () => server.app.inject({ url: p, headers: { host: `127.0.0.1:${server.port}` } });
      for (let i = 0; i < 20; i++) await inject();
      const c0 = process.cpuUsage();
      for (let i = 0; i < 200; i++) await inject();
      const c = process.cpuUsage(c0);
      cost[p] = (c.user + c.system) / 1000 / 200;
    }

    const idle = await phase('idle');
    const runs = { count: 0, audioS: 0, wallMs: 0, clipS: 0 };
    let busy: { rows: string[]; summary: string } | undefined;
    if (withEngine) {
      engine = new WhisperEngine({
        modelDir: join(repoRoot, 'models/test-tiny-en'),
        profile: { device: 'cpu', device_id: 0, batch_size: 1, faster_whisper_threads: 1, compute_type: 'float32', use_faster_whisper: true, beam_size: 1 },
        vadModelPath: null,
      });
      server.services.provide('engineStatus', engine);
      await engine.load();
      const audio = await speechFile(work);
      runs.clipS = Number((await exec('soxi', ['-D', audio])).stdout.trim());
      transcribing = (async () => {
        while (!stop) {
          const t = performance.now();
          await engine!.transcribe(audio, { decoding: { temperatures: [0], noSpeechThreshold: null, logProbThreshold: null, compressionRatioThreshold: null } });
          runs.count++;
          runs.audioS += runs.clipS;
          runs.wallMs += performance.now() - t;
        }
      })();
      busy = await phase('transcribing');
      stop = true;
      await transcribing;
    }

    const cpu = os.cpus();
    const notes = [
      `Reproduce: \`npx tsx bench/api-load.ts\` (${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}; 1-minute load average ${loadBefore.toFixed(1)} before the run — other work shared these cores).`,
      '',
      `Load: autocannon in separate processes, ${rate} requests/s in all (${rates.join(' / ')} per route), 10 connections per route, ${duration} s per phase, loopback; the console as in production (monitoring sampling every second, alert evaluation, GPU and jobs modules).`,
      '',
      withEngine
        ? `Phase "transcribing": the engine (worker thread, models/test-tiny-en, CPU, 1 intra-op thread) transcribed a generated ${runs.clipS.toFixed(1)} s speech file ${runs.count} times back to back (${((runs.wallMs / 1000 / Math.max(1, runs.audioS)) * 60).toFixed(1)} s per audio minute).`
        : 'Run without a transcription (--no-engine).',
      '',
      `- ${idle.summary}`,
      ...(busy ? [`- ${busy.summary}`] : []),
      '- Target: p99 < 50 ms (the manual asks < 1 s).',
      `- CPU per request in the server, measured in-process before the load: ${targets.map((p) => `\`${p}\` ${cost[p]!.toFixed(2)} ms`).join(', ')}. Latency above that is time the main thread waited for a core (see the event-loop delay).`,
    ];
    const text = section([...idle.rows, ...(busy?.rows ?? [])], notes);
    console.log(`\n${text}`);
    if (write) console.log(`written to ${writeSection(text)}`);
  } finally {
    stop = true;
    await transcribing.catch(() => undefined);
    await engine?.unload();
    await server.close();
    await redis.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
