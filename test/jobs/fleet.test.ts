/**
 * Fleet mode with the real engine (models/test-tiny-en): the console's own worker plus a
 * `whisperx-console worker --redis` process share one queue; the headless worker is listed,
 * takes jobs, survives a bad file, stops on cancel, and drops out of the list when it dies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TranscriptionJob } from '../../main/contract/jobs';
import type { TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { run, speechClip } from '../audio/fixtures';
import { eventually, jobsApi, sha256File, spawnWorker, startJobsConsole, type WorkerProcess } from './harness';

let redis: TestRedis;
let c: TestConsole;
let api: ReturnType<typeof jobsApi>;
let media: string;
let fleet: WorkerProcess;
const engineOptions = { vad: false, temperature_fallback: false, output_formats: ['srt', 'txt'] };

beforeAll(async () => {
  media = mkdtempSync(join(tmpdir(), 'wxc-fleet-media-'));
  redis = await startTestRedis();
  c = await startJobsConsole(redis, { 'jobs.local_worker': true, 'model.name': 'test-tiny-en', 'active_profile': 'cpu', 'profiles.cpu.faster_whisper_threads': 1 });
  api = jobsApi(c);
  fleet = spawnWorker({ configFile: c.configFile, redisUrl: redis.url, devices: '1', kind: 'engine' });
});

afterAll(async () => {
  await fleet?.kill('SIGKILL');
  await c?.cleanup();
  await redis?.cleanup();
  rmSync(media, { recursive: true, force: true });
});

async function finished(id: string): Promise<TranscriptionJob | false> {
  const j = await api.get(id);
  return ['completed', 'failed', 'cancelled'].includes(j.state) && j;
}

describe('fleet mode with the inference engine', () => {
  it('a `worker --redis` process appears in /api/v1/workers beside the console\'s own worker and takes jobs', async () => {
    const fleetId = await fleet.id;
    const { workers } = await eventually('both workers listed', async () => {
      const r = await api.workers();
      return r.workers.length === 2 && r;
    });
    const headless = workers.find((w) => w.mode === 'headless')!;
    expect(headless).toMatchObject({ id: fleetId, pid: fleet.pid, devices: [1], concurrency: 1 });
    expect(workers.find((w) => w.mode === 'console')).toMatchObject({ pid: process.pid, devices: [0] });

    const clips = await Promise.all(['one two three', 'hello there', 'good morning'].map(async (text, i) => {
      const path = join(media, `speech-${i}.wav`);
      await speechClip(path, text);
      return path;
    }));
    const ids: string[] = [];
    for (const clip of clips) ids.push((await api.submitPath(clip, engineOptions)).id);
    const jobs = await Promise.all(ids.map((id) => eventually(`job ${id} finished`, () => finished(id), 300_000)));
    expect(jobs.map((j) => j.state)).toEqual(['completed', 'completed', 'completed']);
    for (const j of jobs) {
      expect(j.result!.language).toBe('en');
      expect(j.result!.duration_s).toBeGreaterThan(0.3);
      for (const f of j.result!.files) expect(sha256File(f.path)).toBe(f.sha256);
    }
    expect(jobs.map((j) => j.result!.worker_id)).toContain(fleetId);
  }, 400_000);

  it('a bad file fails with the engine\'s error and the next job still completes; cancel stops the engine', async () => {
    const broken = join(media, 'broken.mp3');
    writeFileSync(broken, Buffer.from('ID3 this is not really an mp3 file at all '.repeat(50)));
    const long = join(media, 'long.wav');
    await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', long, 'synth', '240', 'sine', '300', 'vol', '0.2']);
    const bad = await api.submitPath(broken, engineOptions);
    const b = await eventually('bad file finished', () => finished(bad.id), 300_000);
    expect(b.state).toBe('failed');
    expect(b.error!.code).toMatch(/^audio_/);
    expect(b.error!.message).toContain('broken.mp3');
    expect(b.error!.hint).toBeTruthy();

    const { id } = await api.submitPath(long, engineOptions);
    await eventually('the long job running', async () => (await api.get(id)).state === 'active');
    const cancelled = await api.cancel(id);
    const final = cancelled.state === 'cancelled' ? cancelled : await eventually('cancelled', async () => (await api.get(id)).state === 'cancelled' && api.get(id));
    expect(final.state).toBe('cancelled');
    expect(final.error).toMatchObject({ code: 'cancelled' });

    const after = await api.submitPath(join(media, 'speech-0.wav'), engineOptions);
    expect((await eventually('a job after the cancel', () => finished(after.id), 300_000)).state).toBe('completed');
  }, 400_000);

  it('a killed worker disappears from the list within its heartbeat TTL', async () => {
    const { heartbeat_ttl_ms } = await api.workers();
    await fleet.kill('SIGKILL');
    // Its record expires in Redis one TTL after its last heartbeat, which came before the kill.
    await new Promise((r) => setTimeout(r, heartbeat_ttl_ms + 50));
    const { workers } = await api.workers();
    expect(workers.map((w) => w.mode)).toEqual(['console']);
  });
});
