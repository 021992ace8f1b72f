/**
 * The queue under load and failure: real redis-server, the console's API, and worker
 * processes (`node --import tsx`, the CLI worker with the paced test transcriber) that are
 * killed, restarted and cut off from Redis while they work.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSubmit } from '../../main/cli/submit';
import type { TranscriptionJob } from '../../main/contract/jobs';
import { GpuLockManager, gpuLockSettings } from '../../main/gpu';
import { Redis } from 'ioredis';
import type { TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { run } from '../audio/fixtures';
import { eventually, jobsApi, readEvents, sha256File, spawnWorker, startJobsConsole, type WorkerProcess } from './harness';

let redis: TestRedis;
let c: TestConsole;
let api: ReturnType<typeof jobsApi>;
let media: string;
let markers: string;
const workers: WorkerProcess[] = [];

async function tone(name: string, seconds: number, hz: number): Promise<string> {
  const path = join(media, name);
  await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', path, 'synth', String(seconds), 'sine', String(hz), 'vol', '0.3']);
  return path;
}

async function stopAll(): Promise<void> {
  await Promise.all(workers.splice(0).map((w) => w.kill('SIGTERM')));
}

/** Last transcriber event per file, from the markers the worker processes write. */
function startedNotDone(pid: number): boolean {
  const mine = readEvents(markers).filter((e) => e.pid === pid);
  return mine.length > 0 && mine[mine.length - 1]!.event === 'start';
}

function worker(devices: string, env: Record<string, string> = {}): WorkerProcess {
  const w = spawnWorker({ configFile: c.configFile, redisUrl: redis.url, devices, kind: 'paced', env: { WXC_PACED_MARKERS: markers, ...env } });
  workers.push(w);
  return w;
}

async function allFinished(ids: string[]): Promise<TranscriptionJob[] | false> {
  const jobs = await Promise.all(ids.map((id) => api.get(id)));
  return jobs.every((j) => ['completed', 'failed', 'cancelled'].includes(j.state)) && jobs;
}

async function commitsOf(id: string): Promise<number> {
  return Number((await c.server.redis.client.hget(`wxc:jobs:transcriptions:result:${id}`, 'commits')) ?? 0);
}

beforeAll(async () => {
  media = mkdtempSync(join(tmpdir(), 'wxc-jobs-media-'));
  markers = mkdtempSync(join(tmpdir(), 'wxc-jobs-markers-'));
  redis = await startTestRedis({ appendonly: true });
  c = await startJobsConsole(redis);
  api = jobsApi(c);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await c?.cleanup();
  await redis?.cleanup();
  rmSync(media, { recursive: true, force: true });
  rmSync(markers, { recursive: true, force: true });
});

describe('transcription queue with worker processes', () => {
  it('30 jobs on 2 worker processes all complete, each with one result whose checksums match the files', async () => {
    const a = worker('0');
    const b = worker('1');
    await Promise.all([a.id, b.id]);
    const files = await Promise.all(Array.from({ length: 30 }, (_, i) => tone(`batch-${i}.wav`, 0.5, 200 + i * 20)));
    const ids: string[] = [];
    for (const f of files) ids.push((await api.submitPath(f, { output_formats: ['srt', 'txt'] })).id);
    const jobs = await eventually('30 jobs finished', () => allFinished(ids));

    expect(jobs.map((j) => j.state)).toEqual(Array(30).fill('completed'));
    const byWorker = new Map<string, number>();
    for (const j of jobs) {
      const r = j.result!;
      byWorker.set(r.worker_id, (byWorker.get(r.worker_id) ?? 0) + 1);
      expect(r.files.map((f) => f.format).sort()).toEqual(['json', 'srt', 'txt']);
      for (const f of r.files) expect(sha256File(f.path)).toBe(f.sha256);
      // One folder per job holding exactly its exports: nothing duplicated, no temp files left.
      expect(readdirSync(join(c.config.paths.results, j.id)).sort()).toEqual(r.files.map((f) => f.path.split('/').pop()).sort());
      expect(await commitsOf(j.id)).toBe(1);
    }
    // Both processes took jobs.
    expect([...byWorker.keys()].sort()).toEqual([await a.id, await b.id].sort());

    const index: string[] = [];
    for await (const e of c.server.services.require('resultsIndex').entries()) index.push(e.jobId);
    expect(index.sort()).toEqual([...ids].sort());

    const exported = await c.fetch(`/api/v1/transcriptions/${ids[3]}/export/srt`);
    expect(exported.status).toBe(200);
    expect(await exported.text()).toContain('paced transcript of batch-3.wav');

    const stats = await c.server.services.require('jobStats').snapshot();
    expect(stats).toMatchObject({ completed: 30, failed: 0, success_rate: 1, error_rate: 0, retry_rate: 0, queue_depth: 0 });
    // The paced transcriber fills 5 of 8 batch slots (batch size 4) and reports 0.5 s of audio per job.
    expect(stats.batch_efficiency).toBeCloseTo(5 / 8);
    expect(stats.seconds_per_audio_minute).toBeGreaterThan(0);
  }, 240_000);

  it('kill -9 of a worker mid-job, 10 times over a run: no job lost, each completes exactly once', async () => {
    await stopAll();
    const slow = { WXC_PACED_CHUNKS: '10', WXC_PACED_CHUNK_MS: '150' };
    const byDevice = new Map<string, WorkerProcess>([['0', worker('0', slow)], ['1', worker('1', slow)]]);
    await Promise.all([...byDevice.values()].map((w) => w.id));
    const before = await c.server.services.require('jobStats').snapshot();
    const files = await Promise.all(Array.from({ length: 20 }, (_, i) => tone(`crash-${i}.wav`, 1, 300 + i * 10)));
    const ids: string[] = [];
    for (const f of files) ids.push((await api.submitPath(f, { output_formats: ['txt'] })).id);

    const killedMidJob: number[] = [];
    while (killedMidJob.length < 10) {
      const [device, victim] = await eventually('a worker in the middle of a job', () => [...byDevice.entries()].find(([, w]) => startedNotDone(w.pid)));
      await victim.kill('SIGKILL');
      killedMidJob.push(victim.pid);
      byDevice.set(device, worker(device, slow));
    }
    const jobs = await eventually('all crash-test jobs finished', () => allFinished(ids), 300_000);

    expect(jobs.filter((j) => j.state !== 'completed')).toEqual([]);
    for (const j of jobs) expect(await commitsOf(j.id), j.id).toBe(1);
    // Every kill interrupted a run (its last event was a start), and those runs were redone.
    for (const pid of killedMidJob) expect(startedNotDone(pid)).toBe(true);
    expect(jobs.reduce((n, j) => n + j.retries, 0)).toBeGreaterThanOrEqual(10);
    const after = await c.server.services.require('jobStats').snapshot();
    expect(after.completed - before.completed).toBe(20);
    expect(after.retried! - before.retried!).toBeGreaterThanOrEqual(1);
    expect(after.retry_rate).toBeGreaterThan(0);
  }, 400_000);

  it('Redis restarted during a run: workers reconnect, no job lost', async () => {
    await stopAll();
    const env = { WXC_PACED_CHUNKS: '6', WXC_PACED_CHUNK_MS: '100' };
    await Promise.all([worker('0', env).id, worker('1', env).id]);
    const files = await Promise.all(Array.from({ length: 12 }, (_, i) => tone(`restart-${i}.wav`, 0.5, 500 + i * 10)));
    const ids: string[] = [];
    for (const f of files) ids.push((await api.submitPath(f, { output_formats: ['vtt'] })).id);
    await eventually('a few jobs done before the restart', async () => (await Promise.all(ids.map((id) => api.get(id)))).filter((j) => j.state === 'completed').length >= 2);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    const jobs = await eventually('all jobs finished after the restart', () => allFinished(ids), 300_000);
    expect(jobs.map((j) => j.state)).toEqual(Array(12).fill('completed'));
    for (const j of jobs) {
      expect(await commitsOf(j.id)).toBe(1);
      for (const f of j.result!.files) expect(sha256File(f.path)).toBe(f.sha256);
    }
    // Both processes survived the outage and are registered again.
    expect((await api.workers()).workers.length).toBe(2);
  }, 300_000);

  it('a bad file fails its job with a clear error, and the worker goes on with the next job', async () => {
    await stopAll();
    const w = worker('0');
    await w.id;
    const broken = join(media, 'broken.wav');
    writeFileSync(broken, Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)));
    const bad = await api.submitPath(broken);
    const good = await api.submitPath(await tone('after-broken.wav', 0.5, 700));
    const [b, g] = await eventually('both finished', () => allFinished([bad.id, good.id]));
    expect(b.state).toBe('failed');
    expect(b.error).toMatchObject({ code: 'audio_unreadable', stage: 'transcribe' });
    expect(b.error!.message).toContain('broken.wav');
    expect(b.error!.hint).toBeTruthy();
    // Input errors are not retried: one run, no backoff loop.
    expect(b.attempts.started).toBe(1);
    expect(g.state).toBe('completed');
    expect(g.result!.worker_id).toBe(await w.id);
  });

  it('cancelling a running job aborts the transcriber and leaves the job cancelled', async () => {
    await stopAll();
    const w = worker('0', { WXC_PACED_CHUNKS: '200', WXC_PACED_CHUNK_MS: '100' });
    await w.id;
    const file = await tone('to-cancel.wav', 1, 800);
    const { id } = await api.submitPath(file);
    await eventually('the job running with progress', async () => {
      const j = await api.get(id);
      return j.state === 'active' && j.progress !== null;
    });
    const cancelled = await api.cancel(id);
    expect(cancelled.state).toBe('cancelled');
    // The stage the run was in when it stopped (the paced transcriber reports 'decoder').
    expect(cancelled.error).toMatchObject({ code: 'cancelled', stage: 'decoder' });
    const aborted = readEvents(markers).filter((e) => e.file === file && e.event === 'aborted');
    expect(aborted).toHaveLength(1);
    expect(aborted[0]!.reason).toContain('Cancelled');
    expect(readEvents(markers).some((e) => e.file === file && e.event === 'done')).toBe(false);
    // Cancelled is final: no retry runs it again.
    expect((await api.get(id)).attempts.started).toBe(1);
  });

  it('a force-released GPU lock stops the run and the job is retried without using an attempt', async () => {
    await stopAll();
    const w = worker('0', { WXC_PACED_CHUNKS: '40', WXC_PACED_CHUNK_MS: '100' });
    await w.id;
    const file = await tone('force-released.wav', 1, 900);
    const { id } = await api.submitPath(file);
    await eventually('the job running with progress', async () => {
      const j = await api.get(id);
      return j.state === 'active' && j.progress !== null;
    });
    const operator = new GpuLockManager({ redis: () => new Redis(redis.url), settings: gpuLockSettings(c.config.gpu.lock), deviceCount: () => 2 });
    try {
      const released = await operator.forceRelease({ lockKey: 'gpu_lock:0', actor: 'test', reason: 'drill' });
      expect(released.previous).toMatchObject({ job_id: id, pid: w.pid });
      const done = await eventually('the job completed after the release', async () => {
        const j = await api.get(id);
        return j.state === 'completed' && j;
      });
      expect(done.retries).toBeGreaterThanOrEqual(1);
      expect(done.attempts.failed).toBe(0);
      // The result records the hold that produced it: a newer one than the released hold.
      expect(done.result!.fencing_token).toBeGreaterThan(released.previous!.fencing_token);
      expect(await commitsOf(id)).toBe(1);
      expect(readEvents(markers).find((e) => e.file === file && e.event === 'aborted')!.reason).toMatch(/force-released/);
    } finally {
      await operator.close();
    }
  });

  it('retrying a completed job runs it again and replaces its result instead of adding one', async () => {
    const first = await api.submitPath(await tone('rerun.wav', 0.5, 950), { output_formats: ['srt', 'tsv'] });
    const a = await eventually('first run', async () => {
      const j = await api.get(first.id);
      return j.state === 'completed' && j;
    });
    expect((await api.retry(first.id)).state).toMatch(/queued|active/);
    const b = await eventually('second run', async () => {
      const j = await api.get(first.id);
      return j.state === 'completed' && j.finished_at !== a.finished_at && j;
    });
    expect(await commitsOf(first.id)).toBe(2);
    expect(b.result!.files.map((f) => f.path)).toEqual(a.result!.files.map((f) => f.path));
    expect(readdirSync(join(c.config.paths.results, first.id)).sort()).toEqual(['rerun.json', 'rerun.srt', 'rerun.tsv']);
    for (const f of b.result!.files) expect(sha256File(f.path)).toBe(f.sha256);
    let entries = 0;
    for await (const e of c.server.services.require('resultsIndex').entries()) if (e.jobId === first.id) entries++;
    expect(entries).toBe(1);
  });

  it('`whisperx-console submit FILE...` queues the files and waits for their results', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s), env: {}, cwd: media, isTTY: false };
    await tone('cli-a.wav', 0.5, 1000);
    await tone('cli-b.wav', 0.5, 1050);
    const code = await runSubmit(['cli-a.wav', 'cli-b.wav', '--url', c.server.url, '--config', c.configFile, '--formats', 'vtt', '--poll-ms', '100'], io);
    expect(err.join('')).toContain('completed');
    expect(code).toBe(0);
    const paths = out.join('').split('\n').filter((l) => l.endsWith('.vtt'));
    expect(paths.map((l) => l.split('/').pop())).toEqual(['cli-a.vtt', 'cli-b.vtt']);

    const quick: string[] = [];
    expect(await runSubmit([join(media, 'cli-a.wav'), '--no-wait', '--url', c.server.url, '--config', c.configFile], { ...io, out: (s) => void quick.push(s) })).toBe(0);
    expect(quick.join('')).toMatch(/^tx-[0-9a-f]+\t/);
    const missing: string[] = [];
    expect(await runSubmit(['nope.wav', '--url', c.server.url, '--config', c.configFile], { ...io, err: (s) => void missing.push(s) }).catch((e: Error) => e.message)).toMatch(/not found/);
  });
});
