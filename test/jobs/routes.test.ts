/**
 * The transcription routes' input checks: uploads (size limit, type by extension and content,
 * names with folders), client paths (into the app's own folders, relative, missing), options,
 * and the audio route's Range answers. No worker runs here, so jobs stay queued.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';
import { run } from '../audio/fixtures';
import { eventually, jobsApi, startJobsConsole } from './harness';

let redis: TestRedis;
let c: TestConsole;
let media: string;
let wav: string;

function upload(name: string, data: Buffer, options?: Record<string, unknown>, auth = true): Promise<Response> {
  const form = new FormData();
  if (options) form.set('options', JSON.stringify(options));
  form.set('file', new Blob([new Uint8Array(data)]), name);
  return c.fetch('/api/v1/transcriptions', { method: 'POST', auth, body: form });
}

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string; hint?: string }> {
  const body = (await res.json()) as { error: { code: string; message: string; hint?: string } };
  return { status: res.status, ...body.error };
}

beforeAll(async () => {
  media = mkdtempSync(join(tmpdir(), 'wxc-routes-media-'));
  wav = join(media, 'speech.wav');
  await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', wav, 'synth', '1', 'sine', '300', 'vol', '0.3']);
  redis = await startTestRedis({ appendonly: false });
  c = await startJobsConsole(redis, { 'jobs.upload.max_bytes': 100_000 });
});

afterAll(async () => {
  await c?.cleanup();
  await redis?.cleanup();
  rmSync(media, { recursive: true, force: true });
});

const uploadsDir = () => join(c.config.paths.data_dir, 'uploads');

describe('POST /api/v1/transcriptions', () => {
  it('queues an uploaded wav, stored under the data dir, with its options', async () => {
    const res = await upload('interview.wav', readFileSync(wav), { language: 'en', output_formats: ['srt'] });
    expect(res.status).toBe(201);
    const { id, job } = (await res.json()) as { id: string; job: { state: string; input: { kind: string; path: string; name: string; bytes: number }; options: unknown } };
    expect(job.state).toBe('queued');
    expect(job.input).toMatchObject({ kind: 'upload', name: 'interview.wav', bytes: statSync(wav).size });
    expect(job.input.path.startsWith(uploadsDir())).toBe(true);
    expect(readFileSync(job.input.path)).toEqual(readFileSync(wav));
    expect(job.options).toEqual({ language: 'en', output_formats: ['srt'] });
    expect((await jobsApi(c).get(id)).state).toBe('queued');
  });

  it('refuses an upload over jobs.upload.max_bytes with 413 and keeps nothing of it', async () => {
    const before = readdirSync(uploadsDir()).length;
    const big = Buffer.concat([readFileSync(wav), Buffer.alloc(200_000)]);
    const e = await errorOf(await upload('long.wav', big));
    expect(e).toMatchObject({ status: 413, code: 'upload_too_large' });
    expect(e.hint).toMatch(/max_bytes/);
    expect(readdirSync(uploadsDir()).length).toBe(before);
  });

  it('refuses a file type that is not audio or video with 415, by extension and by content', async () => {
    expect(await errorOf(await upload('setup.exe', Buffer.from('MZ\x90\x00')))).toMatchObject({ status: 415, code: 'upload_type_unsupported' });
    const fake = await errorOf(await upload('notes.wav', Buffer.from('just some text pretending to be a wav file\n'.repeat(20))));
    expect(fake).toMatchObject({ status: 415, code: 'upload_type_unsupported' });
    expect(fake.message).toContain('notes.wav');
  });

  it('refuses upload names that try to leave the uploads folder', async () => {
    for (const name of ['../../api-token.wav', '../x.wav', 'a/b.wav', '..']) {
      const e = await errorOf(await upload(name, readFileSync(wav)));
      expect(e, name).toMatchObject({ status: 400, code: 'upload_name_invalid' });
    }
    expect(existsSync(join(c.config.paths.data_dir, 'api-token.wav'))).toBe(false);
  });

  it('refuses paths into the console\'s own folders, relative paths, missing files and folders', async () => {
    const post = (path: string) => c.fetch('/api/v1/transcriptions', { method: 'POST', auth: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path }) });
    const token = join(c.config.paths.data_dir, 'api-token');
    expect(await errorOf(await post(token))).toMatchObject({ status: 403, code: 'job_path_forbidden' });
    // Traversal spelled out in the path resolves into the data dir as well.
    expect(await errorOf(await post(`${c.config.paths.results}/../api-token`))).toMatchObject({ status: 403, code: 'job_path_forbidden' });
    expect(await errorOf(await post('speech.wav'))).toMatchObject({ status: 400, code: 'job_path_relative' });
    expect(await errorOf(await post(join(media, 'missing.wav')))).toMatchObject({ status: 404, code: 'audio_not_found' });
    expect(await errorOf(await post(media))).toMatchObject({ status: 422, code: 'audio_unreadable' });
  });

  it('needs the bearer token, and checks options', async () => {
    expect((await upload('a.wav', readFileSync(wav), undefined, false)).status).toBe(401);
    const post = (body: unknown) => c.fetch('/api/v1/transcriptions', { method: 'POST', auth: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(await errorOf(await post({ path: wav, options: { profile: 'nope' } }))).toMatchObject({ status: 400, code: 'profile_unknown' });
    expect(await errorOf(await post({ path: wav, options: { model: '../../etc' } }))).toMatchObject({ status: 400, code: 'job_options_invalid' });
    expect(await errorOf(await post({ path: wav, options: { output_formats: ['docx'] } }))).toMatchObject({ status: 400 });
    expect((await post({ path: wav, options: { vad: false, output_formats: ['vtt', 'tsv'] } })).status).toBe(201);
    // alignment and diarization are job options; speaker counts only with diarize, and in order
    expect(await errorOf(await post({ path: wav, options: { min_speakers: 2 } }))).toMatchObject({ status: 400, code: 'job_options_invalid' });
    expect(await errorOf(await post({ path: wav, options: { diarize: true, min_speakers: 3, max_speakers: 2 } }))).toMatchObject({ status: 400, code: 'job_options_invalid' });
    const ok = await post({ path: wav, options: { align: true, diarize: true, max_speakers: 4 } });
    expect(ok.status).toBe(201);
    const job = (await (await c.fetch(`/api/v1/transcriptions/${((await ok.json()) as { id: string }).id}`)).json()) as { options: Record<string, unknown> };
    expect(job.options).toMatchObject({ align: true, diarize: true, max_speakers: 4 });
  });
});

describe('GET /api/v1/transcriptions/:id/audio', () => {
  it('serves the job\'s audio whole, and byte ranges with 206 for the player', async () => {
    const { id } = await jobsApi(c).submitPath(wav);
    const bytes = readFileSync(wav);
    const whole = await c.fetch(`/api/v1/transcriptions/${id}/audio`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);

    const part = await c.fetch(`/api/v1/transcriptions/${id}/audio`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));

    const tail = await c.fetch(`/api/v1/transcriptions/${id}/audio`, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 10));
    expect((await c.fetch(`/api/v1/transcriptions/${id}/audio`, { headers: { range: `bytes=${bytes.length + 5}-` } })).status).toBe(416);
  });
});

describe('GET /api/v1/transcriptions', () => {
  it('lists jobs newest first, filtered by state and name, paged', async () => {
    const api = jobsApi(c);
    const all = await api.list();
    expect(all.total).toBe(4); // three uploads and the align + diarize job above
    expect(all.counts.queued).toBe(all.total);
    const named = await api.list('?q=INTERVIEW');
    expect(named.jobs.map((j) => j.input.name)).toEqual(['interview.wav']);
    const page = await api.list('?limit=2&offset=1');
    expect(page.jobs.map((j) => j.id)).toEqual(all.jobs.slice(1, 3).map((j) => j.id));
    expect((await api.list('?state=completed')).total).toBe(0);
    expect((await c.fetch('/api/v1/transcriptions?state=bogus')).status).toBe(400);
    expect((await c.fetch('/api/v1/transcriptions/tx-nope')).status).toBe(404);
    const stats = (await (await c.fetch('/api/v1/transcriptions/stats')).json()) as { queue_depth: number; success_rate: number | null };
    expect(stats).toMatchObject({ queue_depth: all.total, success_rate: null });
  });

  it('cancels a queued job at once; a cancelled job can be retried, a queued one not', async () => {
    const api = jobsApi(c);
    const { id } = await api.submitPath(wav);
    expect((await c.fetch(`/api/v1/transcriptions/${id}/retry`, { method: 'POST', auth: true })).status).toBe(409);
    const cancelled = await api.cancel(id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.error).toMatchObject({ code: 'cancelled' });
    expect((await api.retry(id)).state).toBe('queued');
    expect((await c.fetch(`/api/v1/transcriptions/${id}/cancel`, { method: 'POST' })).status).toBe(401);
  });
});

describe('live feed', () => {
  it('publishes job.updated when a job is queued and when it is cancelled', async () => {
    const seen: Array<{ id: string; state: string }> = [];
    const unsubscribe = c.server.bus.subscribe((e) => {
      if (e.type === 'job.updated') seen.push({ id: e.data.id, state: e.data.state });
    });
    try {
      const { id } = await jobsApi(c).submitPath(wav);
      await eventually('queued event', () => seen.some((e) => e.id === id && e.state === 'queued'));
      await jobsApi(c).cancel(id);
      expect(seen.filter((e) => e.id === id).map((e) => e.state)[0]).toBe('queued');
    } finally {
      unsubscribe();
    }
  });
});
