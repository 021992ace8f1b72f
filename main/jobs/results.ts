import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { JobOutputFormat, ResultFile } from '../contract/jobs';
import { packageRoot } from '../core/paths';
import { ConsoleError } from '../core/errors';
import { writeTranscript } from '../inference/writers';
import type { Transcript } from '../inference/types';
import type { JobKeys } from './settings';

/** What the maintenance module's data-integrity check walks. */
export interface ResultsIndex {
  entries(): AsyncIterable<{ jobId: string; files: { path: string; sha256: string }[] }>;
}

export interface CommitRequest {
  jobId: string;
  /** Input file name; exports are `<name without extension>.<format>`. */
  inputName: string;
  transcript: Transcript;
  formats: readonly JobOutputFormat[];
  lockKey: string;
  fencingToken: number;
  /** BullMQ's lock key of the job and this run's token: only the run owning the job commits. */
  queueLock: { key: string; token: string };
  /** Called after the files are written and before they are recorded: throws if the GPU lock is gone. */
  assertHeld: () => void;
}

export interface CommitOutcome {
  files: ResultFile[];
  /** How many times this job's result has been committed (1 = first run). */
  commits: number;
}

const commitScript = 'resultCommit-3.lua';
let commitLua: string | undefined;
const defined = new WeakSet<Redis>();

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function exportBaseName(inputName: string): string {
  const stem = basename(inputName, extname(inputName)).replace(/[^\p{L}\p{N}._ -]/gu, '_').replace(/^\.+/, '');
  return stem || 'transcript';
}

/**
 * Transcript JSON and requested exports under `<results>/<job id>/`, each written atomically
 * (temp file + rename), their sha256 recorded in Redis. One folder per job id: a re-run
 * replaces the files and removes exports it no longer produces.
 */
export class ResultsStore implements ResultsIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: JobKeys,
    private readonly resultsDir: () => string,
  ) {
    if (!defined.has(redis)) {
      // ./lua is main/jobs/lua from source and dist/main/lua beside the bundle (tools/build.mjs copies it).
      commitLua ??= readFileSync(join(packageRoot(), 'main', 'jobs', 'lua', commitScript), 'utf8');
      redis.defineCommand('wxcResultCommit', { numberOfKeys: Number(/-(\d+)\.lua$/.exec(commitScript)![1]), lua: commitLua });
      defined.add(redis);
    }
  }

  dirOf(jobId: string): string {
    return join(this.resultsDir(), jobId);
  }

  async commit(req: CommitRequest): Promise<CommitOutcome> {
    const dir = this.dirOf(req.jobId);
    await mkdir(dir, { recursive: true });
    const base = exportBaseName(req.inputName);
    const formats: JobOutputFormat[] = ['json', ...req.formats.filter((f) => f !== 'json')];
    const staged: Array<{ tmp: string; file: ResultFile }> = [];
    try {
      for (const format of formats) {
        const text = writeTranscript(req.transcript, format);
        const path = join(dir, `${base}.${format}`);
        const tmp = join(dir, `.${base}.${format}.${randomBytes(6).toString('hex')}.tmp`);
        await writeFile(tmp, text, 'utf8');
        staged.push({ tmp, file: { format, path, sha256: sha256(text), bytes: Buffer.byteLength(text) } });
      }
      req.assertHeld();
      const files = staged.map((s) => s.file);
      const commits = Number(
        await (this.redis as unknown as { wxcResultCommit: (...a: (string | number)[]) => Promise<number> }).wxcResultCommit(
          this.keys.result(req.jobId),
          this.keys.resultIndex,
          req.queueLock.key,
          req.jobId,
          req.lockKey,
          req.fencingToken,
          JSON.stringify(files),
          Date.now(),
          req.queueLock.token,
        ),
      );
      if (commits === -1) {
        throw new ConsoleError('job_lock_lost', `Job ${req.jobId} was taken over by another worker before this run could record its result`, {
          hint: 'This worker was too slow to renew its queue lock (overloaded?) and the job was started again elsewhere; that run\'s result counts.',
          status: 409,
        });
      }
      if (commits === 0) {
        throw new ConsoleError('result_stale', `The result of job ${req.jobId} was already written by a newer run`, {
          hint: 'This run had lost its GPU lock; the newer run\'s result is kept.',
          status: 409,
        });
      }
      for (const s of staged) await rename(s.tmp, s.file.path);
      await this.removeOthers(dir, new Set(files.map((f) => basename(f.path))));
      return { files, commits };
    } finally {
      await Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
    }
  }

  private async removeOthers(dir: string, keep: Set<string>): Promise<void> {
    for (const name of await readdir(dir)) {
      if (!keep.has(name) && !name.startsWith('.')) await rm(join(dir, name), { force: true });
    }
  }

  async files(jobId: string): Promise<ResultFile[] | null> {
    const json = await this.redis.hget(this.keys.result(jobId), 'files');
    return json ? (JSON.parse(json) as ResultFile[]) : null;
  }

  async commits(jobId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.result(jobId), 'commits')) ?? 0);
  }

  /** One export, verified against the checksum recorded when it was written. */
  async read(jobId: string, format: JobOutputFormat): Promise<{ file: ResultFile; text: string }> {
    const files = await this.files(jobId);
    const file = files?.find((f) => f.format === format);
    if (!file) {
      throw new ConsoleError('export_unavailable', `Job ${jobId} has no ${format} export`, {
        hint: files ? `It has: ${files.map((f) => f.format).join(', ')}. Retry the job with "${format}" in output_formats.` : 'The job has not completed yet.',
        status: 404,
      });
    }
    let data: Buffer;
    try {
      data = await readFile(file.path);
    } catch (e) {
      throw new ConsoleError('export_missing', `The ${format} export of job ${jobId} is gone from ${file.path}: ${(e as Error).message}`, {
        hint: 'Retry the job to write it again. With workers on other machines, paths.results must be a folder they share.',
        status: 410,
      });
    }
    if (sha256(data) !== file.sha256) {
      throw new ConsoleError('export_corrupt', `The ${format} export of job ${jobId} does not match its recorded checksum`, {
        hint: 'The file was changed or damaged on disk; retry the job to write it again.',
        status: 500,
        details: { path: file.path, expected_sha256: file.sha256 },
      });
    }
    return { file, text: data.toString('utf8') };
  }

  async *entries(): AsyncIterable<{ jobId: string; files: { path: string; sha256: string }[] }> {
    const ids = await this.redis.zrange(this.keys.resultIndex, 0, -1);
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100);
      const multi = this.redis.multi();
      for (const id of batch) multi.hget(this.keys.result(id), 'files');
      const rows = (await multi.exec()) ?? [];
      for (const [j, id] of batch.entries()) {
        const json = rows[j]?.[1] as string | null | undefined;
        if (!json) continue;
        yield { jobId: id, files: (JSON.parse(json) as ResultFile[]).map((f) => ({ path: f.path, sha256: f.sha256 })) };
      }
    }
  }
}
