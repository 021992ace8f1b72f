import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JobInput } from '../contract/jobs';
import { probeAudio } from '../audio/probe';
import { ConsoleError } from '../core/errors';
import { extensionOf, readHead, safeUploadName, sniffMediaType } from './input';

export interface UploadLimits {
  maxBytes: number;
  allowedExtensions: readonly string[];
}

export function tooLargeError(maxBytes: number): ConsoleError {
  return new ConsoleError('upload_too_large', `The upload is larger than the limit of ${maxBytes} bytes`, {
    hint: 'Transcribe the file by path ({"path": ...}) instead, or raise jobs.upload.max_bytes in config.yml.',
    status: 413,
    details: { max_bytes: maxBytes },
  });
}

/**
 * Uploaded media under `<data dir>/uploads/<uuid>/<name>`: the name is checked (no folders),
 * the size is capped while streaming, and the content must look like audio or video (magic
 * bytes, else ffprobe must find an audio stream) so an upload is never something else.
 */
export class UploadStore {
  constructor(
    readonly dir: string,
    private readonly limits: () => UploadLimits,
  ) {}

  get maxBytes(): number {
    return this.limits().maxBytes;
  }

  /** Checks the name before any byte is stored. */
  checkName(name: string | undefined): string {
    const safe = safeUploadName(name);
    const ext = extensionOf(safe);
    const allowed = this.limits().allowedExtensions;
    if (!allowed.includes(ext)) {
      throw new ConsoleError('upload_type_unsupported', `"${safe}" is not a supported audio or video file type${ext ? ` (.${ext})` : ''}`, {
        hint: `Upload one of: ${allowed.map((e) => `.${e}`).join(', ')} (jobs.upload.allowed_extensions).`,
        status: 415,
      });
    }
    return safe;
  }

  /**
   * Streams one file part to disk. `truncated()` tells whether the multipart parser cut it at
   * the size limit (then the partial file is removed and 413 thrown).
   */
  async save(name: string | undefined, stream: Readable, truncated: () => boolean): Promise<JobInput> {
    const safe = this.checkName(name);
    const folder = join(this.dir, randomUUID());
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const path = join(folder, safe);
    try {
      try {
        await pipeline(stream, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      } catch (e) {
        if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLargeError(this.maxBytes);
        throw e;
      }
      if (truncated()) throw tooLargeError(this.maxBytes);
      const { size } = await stat(path);
      if (size > this.maxBytes) throw tooLargeError(this.maxBytes);
      if (size === 0) throw new ConsoleError('upload_empty', `The upload "${safe}" is empty`, { hint: 'Send the file again.', status: 400 });
      await this.checkContent(path, safe);
      return { kind: 'upload', path, name: safe, bytes: size };
    } catch (e) {
      await rm(folder, { recursive: true, force: true });
      throw e;
    }
  }

  private async checkContent(path: string, name: string): Promise<void> {
    if (sniffMediaType(await readHead(path)) !== null) return;
    // Formats without a fixed signature (raw AAC/ADTS variants, some MPEG streams): ffprobe decides.
    let hasAudio: boolean;
    try {
      hasAudio = (await probeAudio(path)).hasAudio;
    } catch {
      hasAudio = false;
    }
    if (!hasAudio) {
      throw new ConsoleError('upload_type_unsupported', `"${name}" does not contain audio (its content is not a known audio or video format)`, {
        hint: 'Upload the original recording (wav, mp3, flac, ogg/opus, m4a/aac, mp4, mkv, webm).',
        status: 415,
      });
    }
  }
}
