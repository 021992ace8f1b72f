import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ConsoleError } from '../../core/errors';
import type { Transcript } from '../types';
import { writeTranscript, type OutputFormat, type WriteOptions } from './writers';

/**
 * Writes `<dir>/<baseName>.<format>` for each format, each atomically (temp file + rename in the
 * same folder), so a reader never sees half a file and a crash leaves the old one intact.
 * Returns the paths in the order of `formats`.
 */
export async function writeAll(t: Transcript, formats: readonly OutputFormat[], dir: string, baseName: string, opts: WriteOptions = {}): Promise<string[]> {
  if (!baseName || baseName !== basename(baseName) || baseName === '.' || baseName === '..') {
    throw new ConsoleError('output_name_invalid', `Output name "${baseName}" must be a plain file name without folders`, {
      hint: 'Pass the folder as the output directory and only the name as baseName',
      status: 400,
    });
  }
  const outDir = resolve(dir);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new ConsoleError('output_dir_unwritable', `Cannot create the output folder ${outDir}: ${(e as Error).message}`, {
      hint: 'Choose another --output-dir or fix its permissions',
      status: 500,
    });
  }
  const paths: string[] = [];
  for (const format of [...new Set(formats)]) {
    const path = join(outDir, `${baseName}.${format}`);
    const tmp = join(outDir, `.${baseName}.${format}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, writeTranscript(t, format, opts), 'utf8');
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new ConsoleError('output_write_failed', `Could not write ${path}: ${(e as Error).message}`, {
        hint: 'Check free disk space and permissions of the output folder',
        status: 500,
      });
    }
    paths.push(path);
  }
  return paths;
}
