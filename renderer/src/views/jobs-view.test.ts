import { describe, expect, it } from 'vitest';
import type { TranscriptionJob } from '../../../main/contract';
import { applyProgress, checkFiles, jobRow, mergeJobList, upsertJob } from './jobs-view';

const job = (id: string, over: Partial<TranscriptionJob> = {}): TranscriptionJob => ({
  id,
  state: 'queued',
  input: { kind: 'upload', path: `/data/uploads/${id}.wav`, name: `${id}.wav`, bytes: 1000 },
  options: {},
  progress: null,
  attempts: { started: 0, failed: 0, max: 3 },
  retries: 0,
  error: null,
  result: null,
  created_at: '2026-01-01T00:00:00Z',
  started_at: null,
  finished_at: null,
  ...over,
});

describe('job queue rows', () => {
  it('shows stage, progress and ETA while running, and offers cancel', () => {
    const r = jobRow(job('a', { state: 'active', progress: { stage: 'decoder', fraction: 0.714, audio_seconds_done: 10, audio_seconds_total: 14, eta_seconds: 42 } }));
    expect(r).toMatchObject({ stage: 'decoder', percent: 71, etaSeconds: 42, canCancel: true, canRetry: false, done: false });
  });

  it('offers the transcript, exports and retry when done, with the time it took', () => {
    const r = jobRow(
      job('b', {
        state: 'completed',
        started_at: '2026-01-01T00:00:00Z',
        finished_at: '2026-01-01T00:00:58Z',
        result: { files: [{ format: 'srt', path: '/r/b.srt', sha256: 'x', bytes: 10 }], language: 'en', duration_s: 60, segments: 3, fencing_token: 1, device: 0, worker_id: 'w', processing_ms: 58000, batch: { filled: 1, slots: 1 } },
      }),
    );
    expect(r).toMatchObject({ done: true, percent: null, durationSeconds: 58, canCancel: false, canRetry: true, formats: ['srt'], tone: 'ok' });
  });

  it('says what failed, in which stage, and what to do', () => {
    const r = jobRow(job('c', { state: 'failed', error: { code: 'decode_failed', message: 'not audio', stage: 'decode', hint: 'check the file' } }));
    expect(r).toMatchObject({ error: 'decode: not audio', hint: 'check the file', tone: 'alert', canRetry: true });
  });

  it('keeps the newest first and replaces a job by id', () => {
    const list = upsertJob([job('old', { created_at: '2026-01-01T00:00:00Z' })], job('new', { created_at: '2026-01-02T00:00:00Z' }));
    expect(list.map((j) => j.id)).toEqual(['new', 'old']);
    expect(upsertJob(list, job('old', { state: 'active' })).find((j) => j.id === 'old')!.state).toBe('active');
  });

  it('applies a progress event, and a server list does not roll live progress back', () => {
    const p = { stage: 'encode', fraction: 0.5, audio_seconds_done: 5, audio_seconds_total: 10, eta_seconds: 5 };
    const live = applyProgress([job('a', { state: 'active' })], 'a', p);
    expect(live[0]!.progress).toEqual(p);
    const stale = job('a', { state: 'active', progress: { ...p, fraction: 0.2 } });
    expect(mergeJobList(live, [stale])[0]!.progress!.fraction).toBe(0.5);
    expect(mergeJobList(live, [job('a', { state: 'completed' })])[0]!.state).toBe('completed');
  });

  it('takes audio and video files and names the rest instead of dropping them silently', () => {
    const r = checkFiles([{ name: 'a.WAV' }, { name: 'b.mp4' }, { name: 'notes.txt' }, { name: 'noext' }]);
    expect(r.accepted.map((f) => f.name)).toEqual(['a.WAV', 'b.mp4']);
    expect(r.rejected.map((f) => f.name)).toEqual(['notes.txt', 'noext']);
  });
});
