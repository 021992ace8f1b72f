import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FleetWorker, TranscriptionJob, TranscriptionList } from '../../main/contract/jobs';
import { repoRoot, startTestConsole, type TestConsole } from '../helpers/console';
import type { TestRedis } from '../helpers/redis';

/** Short timings so crash recovery takes seconds; proportions as in config.yml. */
export function jobTestOverrides(redis: TestRedis, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'redis.url': redis.url,
    'jobs.local_worker': false,
    'jobs.lock_duration_ms': 3000,
    'jobs.stalled_interval_ms': 1000,
    'jobs.max_stalled_count': 50,
    'jobs.worker_heartbeat_ttl_ms': 1500,
    'jobs.progress_interval_ms': 100,
    'jobs.backoff': { type: 'fixed', delay_ms: 200 },
    'gpu.device_count': 2,
    'gpu.lock.ttl_ms': 3000,
    'gpu.lock.heartbeat_interval_ms': 1000,
    'gpu.lock.heartbeat_timeout_ms': 1000,
    'gpu.lock.waiter_recheck_ms': 200,
    'gpu.lock.waiter_ttl_ms': 2000,
    'gpu.telemetry.enabled': false,
    ...extra,
  };
}

export async function startJobsConsole(redis: TestRedis, extra: Record<string, unknown> = {}): Promise<TestConsole> {
  return startTestConsole(jobTestOverrides(redis, extra));
}

/** Polls until the probe returns something truthy; the bound only stops a hung test. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, boundMs = 120_000): Promise<T> {
  const start = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() - start > boundMs) throw new Error(`gave up waiting for: ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** The worker id it printed on start. */
  id: Promise<string>;
  output: string[];
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

const pacedScript = fileURLToPath(new URL('./fixtures/paced-worker.ts', import.meta.url));
const cliEntry = join(repoRoot, 'main', 'cli-entry.ts');

/** `node --import tsx` running the real CLI worker (engine) or the paced test worker. */
export function spawnWorker(opts: { configFile: string; redisUrl: string; devices?: string; kind: 'paced' | 'engine'; env?: Record<string, string> }): WorkerProcess {
  const args = ['--import', 'tsx', opts.kind === 'paced' ? pacedScript : cliEntry, ...(opts.kind === 'engine' ? ['worker'] : []), '--config', opts.configFile, '--redis', opts.redisUrl];
  if (opts.devices) args.push('--devices', opts.devices);
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let resolveId!: (id: string) => void;
  const id = new Promise<string>((r) => (resolveId = r));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      const m = /^worker (\S+) on /.exec(line);
      if (m) resolveId(m[1]!);
    });
  }
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    pid: child.pid!,
    id,
    output,
    exited,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

export function jobsApi(c: TestConsole) {
  const json = async <T>(res: Response): Promise<T> => {
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
  return {
    submitPath: async (path: string, options: Record<string, unknown> = {}) =>
      json<{ id: string; job: TranscriptionJob }>(
        await c.fetch('/api/v1/transcriptions', { method: 'POST', auth: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path, options }) }),
      ),
    get: async (id: string) => json<TranscriptionJob>(await c.fetch(`/api/v1/transcriptions/${id}`)),
    list: async (query = '') => json<TranscriptionList>(await c.fetch(`/api/v1/transcriptions${query}`)),
    cancel: async (id: string) => json<TranscriptionJob>(await c.fetch(`/api/v1/transcriptions/${id}/cancel`, { method: 'POST', auth: true })),
    retry: async (id: string) => json<TranscriptionJob>(await c.fetch(`/api/v1/transcriptions/${id}/retry`, { method: 'POST', auth: true })),
    workers: async () => json<{ workers: FleetWorker[]; heartbeat_ttl_ms: number }>(await c.fetch('/api/v1/workers')),
  };
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function readEvents(dir: string): Array<{ event: string; file: string; pid: number; reason?: string }> {
  try {
    return readFileSync(join(dir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; file: string; pid: number; reason?: string });
  } catch {
    return [];
  }
}
