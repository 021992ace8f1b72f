import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ConsoleError } from '../core/errors';

export const supportedFormatsHint =
  'Use an audio file (wav, mp3, flac, ogg/opus, m4a/aac) or a video with a sound track (mp4, mkv, webm)';

export type AudioErrorCode =
  | 'audio_not_found'
  | 'audio_unreadable'
  | 'audio_no_stream'
  | 'audio_empty'
  | 'audio_decode_failed';

const statusOf: Record<AudioErrorCode, number> = {
  audio_not_found: 404,
  audio_unreadable: 422,
  audio_no_stream: 422,
  audio_empty: 422,
  audio_decode_failed: 422,
};

/** Every audio error names the file; `details.file` carries the full path for the API/UI. */
export function audioError(code: AudioErrorCode, file: string, message: string, hint: string, extra: Record<string, unknown> = {}): ConsoleError {
  return new ConsoleError(code, message, { hint, status: statusOf[code], details: { file, ...extra } });
}

/**
 * Cheap checks before ffmpeg sees the path: it exists, is a regular file (a FIFO or /dev/zero
 * would make ffmpeg wait or decode forever), is readable, and is not 0 bytes.
 * Returns the absolute path and its size.
 */
export async function checkInputFile(path: string): Promise<{ file: string; bytes: number }> {
  const file = resolve(path);
  const name = basename(file);
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw audioError('audio_not_found', file, `Audio file not found: ${file}`, 'Check the path (and that the drive or share is mounted)');
    }
    throw audioError('audio_unreadable', file, `Cannot open ${file}: ${(e as Error).message}`, 'Check the file permissions');
  }
  if (!st.isFile()) {
    throw audioError(
      'audio_unreadable',
      file,
      `${name} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}, not an audio file (${file})`,
      supportedFormatsHint,
    );
  }
  try {
    await access(file, constants.R_OK);
  } catch {
    throw audioError('audio_unreadable', file, `No permission to read ${file}`, 'Make the file readable by the console user (chmod o+r, or run as its owner)');
  }
  if (st.size === 0) {
    throw audioError('audio_empty', file, `${name} is empty (0 bytes): ${file}`, 'The file was not fully copied or recorded; copy it again');
  }
  return { file, bytes: st.size };
}

/** ffmpeg treats "name:rest" as a protocol (http:, concat:, pipe:); `file:` makes a path only ever a local file. */
export function ffmpegInputUrl(absFile: string): string {
  return `file:${absFile}`;
}

/** Last lines of ffmpeg's stderr, minus the "file:/path: " prefix it repeats, for messages. */
export function stderrSummary(stderr: string, absFile: string, maxChars = 400): string {
  const lines = stderr
    .split('\n')
    .map((l) =>
      l
        .replaceAll(`${ffmpegInputUrl(absFile)}: `, '')
        .replaceAll(`${absFile}: `, '')
        // "[mov,mp4,... @ 0x55ef48183b40] moov atom not found" -> "mov,mp4,...: moov atom not found"
        .replace(/\[([^\]@]+?) @ 0x[0-9a-f]+\] ?/g, '$1: ')
        .trim(),
    )
    .filter(Boolean);
  const text = lines.slice(-4).join('; ');
  return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
}
