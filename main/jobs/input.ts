import { open, realpath } from 'node:fs/promises';
import { basename, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { JobInput } from '../contract/jobs';
import { checkInputFile } from '../audio/input-file';
import { ConsoleError } from '../core/errors';

/** Folders a client-given path must never point into (tokens, Redis data, results, logs). */
export interface ProtectedDirs {
  dataDir: string;
  extra: string[];
}

function isInside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

async function realOrSelf(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    return resolve(p);
  }
}

/**
 * A path a client asks to transcribe: absolute, an existing readable regular file, and not
 * inside the app's own folders (symlinks resolved), so the API cannot be used to read the
 * token file or other jobs' results.
 */
export async function checkClientPath(path: string, dirs: ProtectedDirs): Promise<JobInput> {
  if (!isAbsolute(path)) {
    throw new ConsoleError('job_path_relative', `"${path}" is not an absolute path`, {
      hint: 'Give the full path of the audio file on the console machine, e.g. /home/me/interview.wav.',
      status: 400,
    });
  }
  const { file, bytes } = await checkInputFile(path);
  const real = await realOrSelf(file);
  for (const dir of [dirs.dataDir, ...dirs.extra]) {
    const protectedReal = await realOrSelf(dir);
    if (isInside(real, protectedReal)) {
      throw new ConsoleError('job_path_forbidden', `${file} is inside the console's own data folder (${protectedReal})`, {
        hint: 'Transcribe files from your own folders; upload a file instead of pointing at the console data directory.',
        status: 403,
        details: { file },
      });
    }
  }
  return { kind: 'path', path: real, name: basename(real), bytes };
}

/** A file name from a client, reduced to a safe base name; "../x" and "a/b" are refused rather than rewritten. */
export function safeUploadName(name: string | undefined): string {
  const n = (name ?? '').normalize('NFC');
  if (!n || n !== basename(n) || n.includes('\\') || n === '.' || n === '..' || n.includes('\u0000') || n.split(sep).includes('..')) {
    throw new ConsoleError('upload_name_invalid', `The upload's file name "${name ?? ''}" is not a plain file name`, {
      hint: 'Send the file with its own name only (no folders, no "..").',
      status: 400,
    });
  }
  if (n.length > 200) return n.slice(n.length - 200);
  return n;
}

export function extensionOf(name: string): string {
  return extname(name).slice(1).toLowerCase();
}

/** Container signatures of the formats the console decodes (first bytes of the file). */
export function sniffMediaType(head: Buffer): string | null {
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (ascii(0, 4) === 'fLaC') return 'flac';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (ascii(0, 3) === 'ID3') return 'mp3';
  if (ascii(4, 8) === 'ftyp') return 'mp4';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return 'matroska';
  if (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xf6) === 0xf0) return 'aac';
  if (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0) return 'mp3';
  if (ascii(0, 4) === 'FORM' && (ascii(8, 12) === 'AIFF' || ascii(8, 12) === 'AIFC')) return 'aiff';
  if (ascii(0, 4) === 'caff') return 'caf';
  if (head.length >= 16 && head.readUInt32LE(0) === 0x75b22630) return 'asf';
  return null;
}

export async function readHead(file: string, bytes = 64): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
