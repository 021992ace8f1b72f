import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readApiToken } from '../api/token';
import { buildPath, type JobOptionsInput, type TranscriptionJob } from '../contract';
import { routes } from '../contract/routes';
import { outputFormat } from '../contract/jobs';
import { ConsoleError } from '../core/errors';
import { commonOptions, configFromFlags, exitCodes, UsageError, type CliIO } from './common';

export const submitHelp = `whisperx-console submit FILE... [--no-wait] [--language CODE] [--task transcribe|translate]
                         [--model NAME] [--formats srt,vtt,txt,tsv,json] [--no-vad] [--url URL]
                         [--align] [--diarize [--min-speakers N] [--max-speakers N]]

Queue mode: each FILE becomes a job in the running console's queue (whisperx-console serve).
Waits and shows progress until every job finished, unless --no-wait (then prints the job ids).
Exit code 0 when all completed, 1 when any failed or was cancelled.`;

interface ApiClient {
  call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
}

function client(base: string, token: string | null): ApiClient {
  return {
    async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (e) {
        throw new ConsoleError('console_unreachable', `The console at ${base} is not reachable: ${(e as Error).message}`, {
          hint: 'Start it with `whisperx-console serve` (same --config / --data-dir), or pass --url.',
        });
      }
      const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string; hint?: string } };
      if (!res.ok) {
        const err = json.error;
        throw new ConsoleError(err?.code ?? 'request_failed', err?.message ?? `HTTP ${res.status}`, { ...(err?.hint ? { hint: err.hint } : {}), status: res.status });
      }
      return json as T;
    },
  };
}

function progressLine(j: TranscriptionJob): string {
  const p = j.progress;
  const pct = p ? `${Math.round(p.fraction * 100)}%` : '';
  const eta = p?.eta_seconds != null ? ` eta ${Math.round(p.eta_seconds)}s` : '';
  return `${j.id} ${j.input.name}: ${j.state}${p && j.state === 'active' ? ` ${p.stage} ${pct}${eta}` : ''}${j.retries ? ` (retry ${j.retries})` : ''}`;
}

export async function runSubmit(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...commonOptions,
      'no-wait': { type: 'boolean' },
      language: { type: 'string' },
      task: { type: 'string' },
      model: { type: 'string' },
      formats: { type: 'string' },
      'no-vad': { type: 'boolean' },
      align: { type: 'boolean' },
      diarize: { type: 'boolean' },
      'min-speakers': { type: 'string' },
      'max-speakers': { type: 'string' },
      url: { type: 'string' },
      'poll-ms': { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(`${submitHelp}\n`);
    return exitCodes.ok;
  }
  if (positionals.length === 0) throw new UsageError('give at least one FILE to transcribe');
  if (values.task !== undefined && values.task !== 'transcribe' && values.task !== 'translate') throw new UsageError(`--task must be transcribe or translate, got "${values.task}"`);
  const formats = values.formats?.split(',').map((f) => f.trim());
  if (formats && !formats.every((f) => outputFormat.safeParse(f).success)) throw new UsageError(`--formats takes srt, vtt, txt, tsv, json; got "${values.formats}"`);
  const speakerCount = (flag: 'min-speakers' | 'max-speakers'): number | undefined => {
    const v = values[flag];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got "${v}"`);
    if (!values.diarize) throw new UsageError(`--${flag} needs --diarize`);
    return n;
  };
  const minSpeakers = speakerCount('min-speakers');
  const maxSpeakers = speakerCount('max-speakers');
  const cfg = configFromFlags(values, io);
  const base = values.url ?? `http://${cfg.server.host}:${cfg.server.port}`;
  const api = client(base.replace(/\/$/, ''), readApiToken(cfg.paths.data_dir));
  const options: JobOptionsInput = {
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.language ? { language: values.language } : {}),
    ...(values.task ? { task: values.task as 'transcribe' | 'translate' } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(formats ? { output_formats: formats as JobOptionsInput['output_formats'] } : {}),
    ...(values['no-vad'] ? { vad: false } : {}),
    ...(values.align ? { align: true } : {}),
    ...(values.diarize ? { diarize: true } : {}),
    ...(minSpeakers !== undefined ? { min_speakers: minSpeakers } : {}),
    ...(maxSpeakers !== undefined ? { max_speakers: maxSpeakers } : {}),
  };
  const ids: string[] = [];
  for (const file of positionals) {
    const { id } = await api.call<{ id: string }>('POST', routes.createTranscription.path, { path: resolve(io.cwd, file), options });
    ids.push(id);
    io.out(`${id}\t${file}\n`);
  }
  if (values['no-wait']) return exitCodes.ok;
  const pollMs = Number(values['poll-ms'] ?? 500);
  const last = new Map<string, string>();
  const done = new Map<string, TranscriptionJob>();
  while (done.size < ids.length) {
    for (const id of ids) {
      if (done.has(id)) continue;
      const job = await api.call<TranscriptionJob>('GET', buildPath(routes.getTranscription.path, { id }));
      const line = progressLine(job);
      if (last.get(id) !== line) io.err(`${line}\n`);
      last.set(id, line);
      if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') done.set(id, job);
    }
    if (done.size < ids.length) await new Promise((r) => setTimeout(r, pollMs));
  }
  let ok = true;
  for (const job of done.values()) {
    if (job.state === 'completed') {
      for (const f of job.result?.files ?? []) io.out(`${job.id}\t${f.path}\n`);
    } else {
      ok = false;
      io.err(`${job.id} ${job.input.name} ${job.state}: ${job.error?.message ?? ''}${job.error?.hint ? `\n  hint: ${job.error.hint}` : ''}\n`);
    }
  }
  return ok ? exitCodes.ok : exitCodes.failure;
}
