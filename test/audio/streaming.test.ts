import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile, decodeAudioToBuffer } from '../../main/audio';
import { run, tempDir } from './fixtures';

let tmp: ReturnType<typeof tempDir>;
let longFile: string;
const longSeconds = 3600;

beforeAll(async () => {
  tmp = tempDir('audio-stream');
  longFile = join(tmp.dir, 'one-hour.wav');
  // An hour at 8 kHz 8-bit is 29 MB on disk and 230 MB once decoded to 16 kHz float32.
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=300:sample_rate=8000:duration=${longSeconds}`, '-c:a', 'pcm_u8', longFile]);
});

afterAll(() => tmp?.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ffmpeg's state letter (R running, S sleeping, Z zombie) or null once it is gone. */
function procState(pid: number): string | null {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

function bytesWritten(pid: number): number {
  return Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN);
}

async function untilGone(pid: number) {
  while (procState(pid) !== null && procState(pid) !== 'Z') await sleep(20);
}

describe('decoding is streamed', () => {
  it('ffmpeg waits while nobody pulls: it is alive after the first block and has written only a little', async () => {
    let pid = 0;
    const it = decodeAudioFile(longFile, { blockSeconds: 1, onFfmpegStart: (p) => (pid = p) })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(pid).toBeGreaterThan(0);
    // Let ffmpeg run until it blocks on the full pipe: its output counter stops moving
    // (three unchanged readings in a row, so a busy machine starving it briefly is not mistaken for it).
    let now = bytesWritten(pid);
    for (let unchanged = 0; unchanged < 3; ) {
      await sleep(300);
      const next = bytesWritten(pid);
      unchanged = next === now ? unchanged + 1 : 0;
      now = next;
    }
    expect(procState(pid)).not.toBeNull();
    expect(procState(pid)).not.toBe('Z');
    const fullOutput = longSeconds * 16000 * 4;
    expect(now).toBeLessThan(fullOutput / 50);
    await it.return?.();
    await untilGone(pid);
    expect([null, 'Z']).toContain(procState(pid));
  });

  it('an hour of audio streams through with memory bounded far below its decoded size', async () => {
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    let samples = 0;
    let sumSq = 0;
    for await (const block of decodeAudioFile(longFile, { blockSeconds: 30 })) {
      samples += block.samples.length;
      for (let i = 0; i < block.samples.length; i += 97) sumSq += block.samples[i]! ** 2;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(samples).toBe(longSeconds * 16000);
    // lavfi's sine has amplitude 1/8.
    expect(Math.sqrt(sumSq / (samples / 97))).toBeCloseTo(0.125 / Math.SQRT2, 2);
    const decodedBytes = samples * 4; // 230 MB
    expect(peak - base).toBeLessThan(decodedBytes / 3);
  });

  it('breaking out of the loop kills ffmpeg', async () => {
    let pid = 0;
    for await (const _block of decodeAudioFile(longFile, { blockSeconds: 1, onFfmpegStart: (p) => (pid = p) })) break;
    await untilGone(pid);
    expect([null, 'Z']).toContain(procState(pid));
  });

  it('aborting kills ffmpeg and rejects with the abort reason', async () => {
    const ac = new AbortController();
    let pid = 0;
    let blocks = 0;
    const reason = new Error('user cancelled the job');
    const consume = (async () => {
      for await (const _b of decodeAudioFile(longFile, { blockSeconds: 1, signal: ac.signal, onFfmpegStart: (p) => (pid = p) })) {
        if (++blocks === 3) ac.abort(reason);
      }
    })();
    await expect(consume).rejects.toBe(reason);
    expect(blocks).toBe(3);
    await untilGone(pid);
    expect([null, 'Z']).toContain(procState(pid));
  });

  it('aborting decodeAudioToBuffer while it reads rejects with an AbortError', async () => {
    const ac = new AbortController();
    const pending = decodeAudioToBuffer(longFile, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an already aborted signal never starts ffmpeg', async () => {
    const ac = new AbortController();
    ac.abort(new Error('too late'));
    let started = false;
    const gen = decodeAudioFile(longFile, { signal: ac.signal, onFfmpegStart: () => (started = true) });
    await expect(gen.next()).rejects.toThrow('too late');
    expect(started).toBe(false);
    expect(existsSync(longFile)).toBe(true);
  });
});
