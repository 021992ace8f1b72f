import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleError } from '../../main/core/errors';
import type { Transcript } from '../../main/inference/types';
import { outputFormats, writeAll, writeTranscript } from '../../main/inference/writers';
import { tempDir } from '../audio/fixtures';

const t: Transcript = { language: 'en', duration: 2, segments: [{ id: 0, start: 0, end: 1.5, text: ' Shift handover complete.' }] };
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => (tmp = tempDir('writers')));
afterAll(() => tmp?.cleanup());

describe('writeAll', () => {
  it('writes <base>.<format> for each format into a folder it creates, returning the paths in order', async () => {
    const dir = join(tmp.dir, 'out', 'nested');
    const paths = await writeAll(t, [...outputFormats], dir, 'meeting 2024-05-01');
    expect(paths).toEqual(outputFormats.map((f) => join(dir, `meeting 2024-05-01.${f}`)));
    for (const f of outputFormats) expect(readFileSync(join(dir, `meeting 2024-05-01.${f}`), 'utf8')).toBe(writeTranscript(t, f));
    // No temp files left behind.
    expect(readdirSync(dir).sort()).toEqual(outputFormats.map((f) => `meeting 2024-05-01.${f}`).sort());
  });

  it('replaces an existing file whole', async () => {
    const dir = join(tmp.dir, 'replace');
    mkdirSync(dir);
    writeFileSync(join(dir, 'call.txt'), 'old contents that are longer than the new ones\n'.repeat(100));
    await writeAll(t, ['txt'], dir, 'call');
    expect(readFileSync(join(dir, 'call.txt'), 'utf8')).toBe('Shift handover complete.\n');
  });

  it('passes subtitle options through', async () => {
    const aligned: Transcript = { ...t, segments: [{ ...t.segments[0]!, words: [{ word: 'Shift', start: 0, end: 0.5 }, { word: 'handover', start: 0.6, end: 1.5 }] }] };
    const [p] = await writeAll(aligned, ['vtt'], join(tmp.dir, 'hl'), 'a', { highlightWords: true });
    expect(readFileSync(p!, 'utf8')).toContain('<u>Shift</u> handover');
  });

  it('refuses a base name with folders in it', async () => {
    const e = await writeAll(t, ['txt'], tmp.dir, '../escape').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConsoleError);
    expect((e as ConsoleError).code).toBe('output_name_invalid');
    expect(existsSync(join(tmp.dir, '..', 'escape.txt'))).toBe(false);
  });

  it('an output folder that cannot be created is a readable error', async () => {
    const blocker = join(tmp.dir, 'a-file');
    writeFileSync(blocker, 'x');
    const e = await writeAll(t, ['txt'], join(blocker, 'sub'), 'x').catch((err: unknown) => err);
    expect((e as ConsoleError).code).toBe('output_dir_unwritable');
    expect((e as ConsoleError).message).toContain(join(blocker, 'sub'));
  });

  it('a failed write leaves no temp file and says which file', async () => {
    const dir = join(tmp.dir, 'target-is-dir');
    mkdirSync(join(dir, 'x.txt'), { recursive: true }); // rename onto a folder fails
    const e = await writeAll(t, ['txt'], dir, 'x').catch((err: unknown) => err);
    expect((e as ConsoleError).code).toBe('output_write_failed');
    expect((e as ConsoleError).message).toContain(join(dir, 'x.txt'));
    expect(readdirSync(dir)).toEqual(['x.txt']);
  });
});
