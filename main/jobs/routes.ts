import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createTranscriptionBody, jobOptions, type JobInput, type JobOptions, type JobOutputFormat } from '../contract/jobs';
import { routes } from '../contract/routes';
import { ConsoleError } from '../core/errors';
import { registerRoute, WithStatus } from '../api/register';
import { checkClientPath, type ProtectedDirs } from './input';
import type { JobServices } from './runtime';
import type { UploadStore } from './uploads';
import { exportBaseName } from './results';

export interface JobRouteDeps {
  services: JobServices;
  uploads: UploadStore;
  protectedDirs: () => ProtectedDirs;
  /** Profiles in config.yml (a job's profile must be one of them). */
  profiles: () => string[];
}

const exportTypes: Record<JobOutputFormat, string> = {
  json: 'application/json; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
};

const audioTypes: Record<string, string> = {
  wav: 'audio/wav', mp3: 'audio/mpeg', flac: 'audio/flac', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/ogg',
  m4a: 'audio/mp4', aac: 'audio/aac', mp4: 'video/mp4', mkv: 'video/x-matroska', webm: 'video/webm', mov: 'video/quicktime',
};

function badRequest(code: string, message: string, hint: string): ConsoleError {
  return new ConsoleError(code, message, { status: 400, hint });
}

function parseOptions(raw: unknown, profiles: string[]): JobOptions {
  const r = jobOptions.safeParse(raw ?? {});
  if (!r.success) {
    throw badRequest('job_options_invalid', `Invalid job options: ${r.error.issues.map((i) => `${['options', ...i.path.map(String)].join('.')}: ${i.message}`).join('; ')}`, 'See docs/jobs.md for the options a job takes.');
  }
  const o = r.data;
  if (o.profile && !profiles.includes(o.profile)) {
    throw badRequest('profile_unknown', `Profile "${o.profile}" is not in config.yml`, `Use one of: ${profiles.join(', ')}.`);
  }
  if ((o.min_speakers !== undefined || o.max_speakers !== undefined) && !o.diarize) {
    throw badRequest('job_options_invalid', 'options.min_speakers / max_speakers need options.diarize: true', 'Set diarize: true, or leave the speaker counts out.');
  }
  if (o.min_speakers && o.max_speakers && o.min_speakers > o.max_speakers) {
    throw badRequest('job_options_invalid', 'options.min_speakers is larger than options.max_speakers', 'Give min_speakers <= max_speakers.');
  }
  return o;
}

async function readMultipart(req: FastifyRequest, deps: JobRouteDeps): Promise<{ input: JobInput; rawOptions: unknown }> {
  let input: JobInput | undefined;
  let rawOptions: unknown;
  try {
    // preservePath: see the name as sent, so "../x.wav" is refused instead of silently shortened.
    for await (const part of req.parts({ preservePath: true, limits: { fileSize: deps.uploads.maxBytes, files: 1, fields: 5, fieldSize: 65_536 } })) {
      if (part.type === 'field') {
        if (part.fieldname !== 'options') continue;
        try {
          rawOptions = JSON.parse(String(part.value));
        } catch {
          throw badRequest('job_options_invalid', 'The "options" field is not JSON', 'Send options as a JSON object, e.g. {"language": "en"}.');
        }
      } else {
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw badRequest('upload_field_unknown', `Unexpected file field "${part.fieldname}"`, 'Send the media in a part named "file".');
        }
        input = await deps.uploads.save(part.filename, part.file, () => part.file.truncated);
      }
    }
  } catch (e) {
    if (input) await rm(dirname(input.path), { recursive: true, force: true });
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT') throw new ConsoleError('upload_too_large', `The upload exceeds the limit of ${deps.uploads.maxBytes} bytes (one file per request)`, { status: 413, hint: 'Transcribe the file by path instead, or raise jobs.upload.max_bytes.' });
    throw e;
  }
  if (!input) throw badRequest('upload_missing', 'The multipart request has no "file" part', 'Send the media as a form field named "file".');
  return { input, rawOptions };
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

async function sendAudio(reply: FastifyReply, req: FastifyRequest, path: string): Promise<FastifyReply> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new ConsoleError('job_audio_missing', `The job's audio file is gone: ${path} (${(e as Error).message})`, { status: 410, hint: 'The file was moved or deleted after the job was queued.' });
  }
  const range = parseRange(req.headers.range, size);
  void reply.header('Accept-Ranges', 'bytes').type(audioTypes[extname(path).slice(1).toLowerCase()] ?? 'application/octet-stream');
  if (range === 'invalid') {
    throw new ConsoleError('range_invalid', `Range "${req.headers.range}" is outside the file (${size} bytes)`, { status: 416, details: { size } });
  }
  if (!range) return reply.header('Content-Length', size).send(createReadStream(path));
  return reply
    .code(206)
    .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
    .header('Content-Length', range.end - range.start + 1)
    .send(createReadStream(path, { start: range.start, end: range.end }));
}

export function registerJobRoutes(app: FastifyInstance, guard: (req: FastifyRequest) => void, deps: JobRouteDeps): void {
  const { queue, results, registry, stats } = deps.services;
  // Multipart parsing only in this scope: other routes keep accepting JSON only.
  void app.register(async (scope) => {
    await scope.register(multipart, { throwFileSizeLimit: true });
    registerRoute(
      scope,
      { ...routes.createTranscription, body: undefined },
      async ({ request }) => {
        let input: JobInput;
        let rawOptions: unknown;
        if (request.isMultipart()) {
          ({ input, rawOptions } = await readMultipart(request, deps));
        } else {
          const r = createTranscriptionBody.extend({ options: z.unknown().optional() }).safeParse(request.body);
          if (!r.success) {
            throw badRequest('bad_request', `Invalid request body: ${r.error.issues.map((i) => `${['body', ...i.path.map(String)].join('.')}: ${i.message}`).join('; ')}`, 'Send {"path": "/abs/file.wav", "options": {...}} or a multipart upload.');
          }
          input = await checkClientPath(r.data.path, deps.protectedDirs());
          rawOptions = r.data.options;
        }
        let options: JobOptions;
        try {
          options = parseOptions(rawOptions, deps.profiles());
        } catch (e) {
          if (input.kind === 'upload') await rm(dirname(input.path), { recursive: true, force: true });
          throw e;
        }
        const job = await queue.submit(input, options);
        await stats.recordArrived(job.id).catch(() => undefined);
        return new WithStatus(201, { id: job.id, job });
      },
      guard,
    );
  });

  // Routes that read or change jobs answer 503 at once while Redis is away (see assertConnected).
  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/v1/transcriptions')) await queue.assertConnected();
  });
  registerRoute(app, routes.listTranscriptions, async ({ query }) => queue.list(query), guard);
  registerRoute(app, routes.jobStats, async () => stats.snapshot(), guard);
  registerRoute(app, routes.getTranscription, async ({ params }) => queue.require(params.id), guard);
  registerRoute(app, routes.cancelTranscription, async ({ params }) => queue.cancel(params.id), guard);
  registerRoute(app, routes.retryTranscription, async ({ params }) => queue.retry(params.id), guard);
  registerRoute(
    app,
    routes.exportTranscription,
    async ({ params, reply }) => {
      const job = await queue.require(params.id);
      if (job.state !== 'completed') {
        throw new ConsoleError('job_not_completed', `Job ${params.id} is ${job.state}; exports exist once it completed`, { status: 409, hint: 'Wait for the job to complete (GET …/:id shows its progress).' });
      }
      const { text } = await results.read(params.id, params.format);
      void reply.type(exportTypes[params.format as JobOutputFormat]).header('Content-Disposition', `attachment; filename="${encodeURIComponent(exportBaseName(job.input.name))}.${params.format}"`);
      return text;
    },
    guard,
  );
  registerRoute(
    app,
    routes.transcriptionAudio,
    async ({ params, request, reply }) => {
      const job = await queue.require(params.id);
      return sendAudio(reply, request, job.input.path);
    },
    guard,
  );
  registerRoute(app, routes.listWorkers, async () => ({ workers: await registry.list(), heartbeat_ttl_ms: registry.ttlMs }), guard);
}
