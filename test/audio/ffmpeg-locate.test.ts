import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configureFfmpeg, findFfmpeg, inspectFfmpeg, requireFfmpeg, requiredDecoders } from '../../main/audio';
import { ConsoleError } from '../../main/core/errors';
import { run, tempDir } from './fixtures';

let tmp: ReturnType<typeof tempDir>;
let systemFfmpeg: string;
let systemFfprobe: string;
let bundle: string;
let emptyDir: string;

beforeAll(async () => {
  tmp = tempDir('ffmpeg-locate');
  systemFfmpeg = (await run('sh', ['-c', 'command -v ffmpeg'])).trim();
  systemFfprobe = (await run('sh', ['-c', 'command -v ffprobe'])).trim();
  // A "bundled" ffmpeg folder, as an installer would ship it.
  bundle = join(tmp.dir, 'bundle');
  mkdirSync(bundle);
  symlinkSync(systemFfmpeg, join(bundle, 'ffmpeg'));
  symlinkSync(systemFfprobe, join(bundle, 'ffprobe'));
  emptyDir = join(tmp.dir, 'empty');
  mkdirSync(emptyDir);
  const broken = join(tmp.dir, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'ffmpeg'), '#!/bin/sh\nexit 3\n');
  writeFileSync(join(broken, 'ffprobe'), '#!/bin/sh\nexit 3\n');
  chmodSync(join(broken, 'ffmpeg'), 0o755);
  chmodSync(join(broken, 'ffprobe'), 0o755);
});

afterEach(() => configureFfmpeg({}));
afterAll(() => tmp?.cleanup());

describe('finding ffmpeg: option, then $WHISPERX_FFMPEG, then config.yml, then PATH', () => {
  it('finds ffmpeg and ffprobe on PATH', () => {
    expect(findFfmpeg({ env: { PATH: process.env.PATH } })).toEqual({ ffmpeg: systemFfmpeg, ffprobe: systemFfprobe, source: 'path' });
  });

  it('config.yml audio.ffmpeg wins over PATH, and ffprobe is taken from the same folder', () => {
    configureFfmpeg({ ffmpeg: join(bundle, 'ffmpeg') });
    expect(findFfmpeg({ env: { PATH: process.env.PATH } })).toEqual({ ffmpeg: join(bundle, 'ffmpeg'), ffprobe: join(bundle, 'ffprobe'), source: 'config' });
  });

  it('$WHISPERX_FFMPEG wins over config.yml', () => {
    configureFfmpeg({ ffmpeg: '/nowhere/ffmpeg' });
    expect(findFfmpeg({ env: { PATH: process.env.PATH, WHISPERX_FFMPEG: join(bundle, 'ffmpeg') } })?.source).toBe('env');
  });

  it('an explicit option wins over everything', () => {
    const got = findFfmpeg({ ffmpeg: join(bundle, 'ffmpeg'), env: { WHISPERX_FFMPEG: '/nowhere/ffmpeg' } });
    expect(got).toMatchObject({ ffmpeg: join(bundle, 'ffmpeg'), source: 'option' });
  });

  it('a configured path that does not exist is "not found", not a silent fallback to PATH', () => {
    expect(findFfmpeg({ env: { PATH: process.env.PATH, WHISPERX_FFMPEG: '/nowhere/ffmpeg' } })).toBeNull();
  });

  it('no ffmpeg anywhere: null, and requireFfmpeg explains how to install it', () => {
    expect(findFfmpeg({ env: { PATH: emptyDir } })).toBeNull();
    let err: unknown;
    try {
      requireFfmpeg({ env: { PATH: emptyDir } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConsoleError);
    expect((err as ConsoleError).code).toBe('ffmpeg_missing');
    expect((err as ConsoleError).message).toMatch(/not found on PATH/);
    expect((err as ConsoleError).hint).toMatch(/apt-get install ffmpeg/);
    expect((err as ConsoleError).hint).toMatch(/WHISPERX_FFMPEG/);
  });
});

describe('what doctor reports', () => {
  it('the system ffmpeg: found, its version, no missing decoders', async () => {
    const r = await inspectFfmpeg({ env: { PATH: process.env.PATH } });
    expect(r).toMatchObject({ found: true, ffmpeg: systemFfmpeg, ffprobe: systemFfprobe, source: 'path', missingDecoders: [], problem: null });
    expect(r.version).toMatch(/^\d+\.\d+/);
  });

  it('no ffmpeg: not found, every decoder missing, the install hint', async () => {
    const r = await inspectFfmpeg({ env: { PATH: emptyDir } });
    expect(r).toMatchObject({ found: false, ffmpeg: null, version: null, missingDecoders: [...requiredDecoders] });
    expect(r.hint).toMatch(/apt-get install ffmpeg/);
  });

  it('an ffmpeg that does not run: not found, and says so', async () => {
    const r = await inspectFfmpeg({ ffmpeg: join(tmp.dir, 'broken', 'ffmpeg'), env: {} });
    expect(r.found).toBe(false);
    expect(r.problem).toMatch(/did not run/);
  });
});
