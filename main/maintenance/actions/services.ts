import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import type { EmergencyActionBody } from '../../contract/maintenance';
import { ConsoleError, describeError } from '../../core/errors';
import { gpuLockKeys, parseGpuLockKey } from '../../gpu/keys';
import { syntheticAudio } from '../checks/benchmark';
import { memoryInfo } from '../system';
import type { MaintenanceDeps } from '../types';
import type { ActionOutcome, EmergencyAction } from './types';

async function waitForRedis(deps: MaintenanceDeps, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await deps.redis.ping()).ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** GET /health over a new connection (never a pooled one the restart just closed). */
function probeHealth(host: string, port: number): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpGet({ host, port, path: '/health', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (e) => resolve({ error: describeError(e) }));
  });
}

export const restartApi: EmergencyAction = {
  id: 'restart_api',
  params: [],
  unavailable: ({ deps, api }) => (deps.ports.apiRestart() || api ? null : 'the API server was not handed to the maintenance module'),
  async run({ deps, api, request }) {
    const own = deps.ports.apiRestart();
    if (own) {
      const r = await own.restart();
      return { outcome: 'done', message: 'The API server was restarted by the composition root', details: { result: r }, previous: null };
    }
    if (!api) return { outcome: 'unavailable', message: 'No API server to restart', details: {}, previous: null };
    const previous = { listening: api.listening };
    const r = await api.restart({ graceMs: 5000, ...(request ? { keep: request } : {}) });
    // The proof: a fresh connection to the same address answers /health.
    const verify = await probeHealth(r.host, r.port);
    const ok = 'status' in verify;
    return {
      outcome: ok ? 'done' : 'failed',
      message: ok
        ? `API listener restarted on ${r.host}:${r.port}: ${r.closed_connections} connection(s) closed, ${r.drained_requests} request(s) drained${r.cut_requests ? `, ${r.cut_requests} cut after the grace period` : ''}; /health answers ${(verify as { status: number }).status}`
        : `API listener re-opened on ${r.host}:${r.port} but /health does not answer: ${(verify as { error: string }).error}`,
      details: { ...r, verify },
      previous,
    };
  },
};

export const restartEngine: EmergencyAction = {
  id: 'restart_engine',
  params: [],
  unavailable: ({ deps }) => (deps.ports.engine() ? null : 'the inference engine is not installed (service "engine")'),
  async run({ deps }) {
    const engine = deps.ports.engine();
    if (!engine) return { outcome: 'unavailable', message: 'The inference engine is not installed, nothing was restarted', details: {}, previous: null };
    const previous = engine.status();
    await engine.unload();
    const afterUnload = engine.status();
    const t0 = performance.now();
    await engine.load();
    const loadMs = Math.round(performance.now() - t0);
    // A one-second transcription proves the new worker really runs, not only that it loaded.
    const probe = await engine.transcribe(syntheticAudio(1), { vad: false, withoutTimestamps: true, decoding: { temperatures: [0] } }).then(
      (r) => ({ ok: true as const, ms: Math.round(r.timings.total_ms) }),
      (e: unknown) => ({ ok: false as const, error: describeError(e) }),
    );
    const now = engine.status();
    return {
      outcome: probe.ok ? 'done' : 'failed',
      message: probe.ok
        ? `Inference worker terminated and restarted; model loaded in ${loadMs} ms on ${now.execution_provider ?? '?'}; a test transcription ran in ${probe.ms} ms`
        : `Inference worker restarted but a test transcription failed: ${probe.error}`,
      details: { after_unload: afterUnload, status: now, load_ms: loadMs, probe },
      previous,
    };
  },
};

export const restartDiarization: EmergencyAction = {
  id: 'restart_diarization',
  params: [],
  unavailable: ({ deps }) => (deps.ports.diarization() ? null : 'the diarization stage is not installed in this process (service "diarization", provided by the inference module)'),
  async run({ deps }) {
    const d = deps.ports.diarization();
    if (!d) return { outcome: 'unavailable', message: 'Diarization is not installed: nothing was restarted', details: {}, previous: null };
    const previous = d.status?.() ?? null;
    const r = await d.restart();
    return {
      outcome: 'done',
      message: 'Diarization stage restarted: its alignment and diarization sessions were released and load again on the next job that asks for them',
      details: { result: r, status: d.status?.() ?? null },
      previous,
    };
  },
};

export const releaseGpuLock: EmergencyAction = {
  id: 'release_gpu_lock',
  params: [
    { name: 'lock_key', type: 'string', required: true, description: 'GPU lock key, e.g. gpu_lock:0' },
    { name: 'reason', type: 'string', required: false, description: 'Why (kept in the audit log)' },
  ],
  unavailable: () => null,
  validate(body: EmergencyActionBody) {
    if (!body.lock_key || parseGpuLockKey(body.lock_key) === null) {
      throw new ConsoleError('bad_request', `lock_key must look like "gpu_lock:0" (got ${JSON.stringify(body.lock_key ?? null)})`, { status: 400, hint: 'Send {"confirm": true, "lock_key": "gpu_lock:0"}.' });
    }
  },
  async run({ deps, body, actor }): Promise<ActionOutcome> {
    const key = body.lock_key!;
    const reason = body.reason ?? 'emergency action release_gpu_lock';
    const locks = deps.ports.gpuLocks();
    if (locks) {
      const r = await locks.forceRelease({ lockKey: key, actor, reason });
      return { outcome: 'done', message: r.message, details: { via: 'GPU lock manager', released: r.released, lock_audit: r.audit }, previous: r.previous, target: key };
    }
    // No lock manager in this process (e.g. a console without the GPU module): the lock is a Redis key all the same.
    const k = gpuLockKeys(parseGpuLockKey(key)!);
    const res = await deps.store.multi().get(k.lock).pttl(k.lock).hgetall(k.holder).del(k.lock, k.holder).exec();
    const [value, pttl, holder, deleted] = (res ?? []).map(([, v]) => v);
    const held = value !== null && value !== undefined;
    return {
      outcome: 'done',
      message: held ? `${key} released (directly in Redis; it was held by ${String(value)}, ${String(pttl)} ms left)` : `${key} was not held; nothing to release`,
      details: { via: 'redis', released: held, deleted_keys: deleted },
      previous: held ? { token: value, ttl_ms: pttl, holder } : null,
      target: key,
    };
  },
};

export const freeMemory: EmergencyAction = {
  id: 'free_memory',
  params: [],
  unavailable: () => null,
  async run({ deps }) {
    const before = memoryInfo();
    const steps: Array<{ step: string; ok: boolean; text: string }> = [];
    const engine = deps.ports.engine();
    if (engine) {
      await engine.unload();
      steps.push({ step: 'unload models', ok: true, text: 'inference engine unloaded (reloads on the next job)' });
    } else steps.push({ step: 'unload models', ok: true, text: 'no engine service registered (service "engine"): nothing to unload here' });
    const d = deps.ports.diarization();
    if (d?.unload) {
      await d.unload();
      steps.push({ step: 'unload diarization', ok: true, text: 'diarization models unloaded' });
    }
    const gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc === 'function') {
      gc();
      steps.push({ step: 'gc', ok: true, text: 'garbage collection ran' });
    } else steps.push({ step: 'gc', ok: true, text: 'global.gc is not exposed (start node with --expose-gc to allow it); V8 collects on its own' });
    const value = deps.config().maintenance.free_memory.drop_caches;
    let permitted = true;
    if (value === 0) steps.push({ step: 'drop page caches', ok: true, text: 'disabled (maintenance.free_memory.drop_caches: 0)' });
    else {
      spawnSync('sync');
      try {
        writeFileSync('/proc/sys/vm/drop_caches', String(value));
        steps.push({ step: 'drop page caches', ok: true, text: `wrote ${value} to /proc/sys/vm/drop_caches` });
      } catch (e) {
        permitted = false;
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'EROFS' ? '/proc/sys is read-only here (a container without that privilege)' : code === 'ENOENT' ? 'this system has no /proc/sys/vm/drop_caches' : `dropping page caches needs root and the console runs as uid ${process.getuid?.() ?? '?'}`;
        steps.push({ step: 'drop page caches', ok: false, text: `NOT done: ${why} (${code ?? describeError(e)}). As root: sync; echo ${value} | sudo tee /proc/sys/vm/drop_caches` });
      }
    }
    const after = memoryInfo();
    const freed = before.used_bytes - after.used_bytes;
    return {
      outcome: permitted ? 'done' : 'partial',
      message: `${steps.map((s) => s.text).join('; ')}. System memory used ${(before.utilization * 100).toFixed(1)}% → ${(after.utilization * 100).toFixed(1)}% (${freed >= 0 ? 'freed' : 'grew by'} ${Math.abs(Math.round(freed / 1048576))} MiB)`,
      details: { steps, before, after, page_caches_dropped: permitted && value !== 0 },
      previous: before,
    };
  },
};

export const restartRedis: EmergencyAction = {
  id: 'restart_redis',
  params: [],
  unavailable: () => null,
  async run({ deps }) {
    const r = deps.redis;
    const keysBefore = await deps.store.dbsize().catch(() => null);
    if (r.managed) {
      const previous = { mode: 'managed', state: r.managed.state, pid: r.managed.pid ?? null, restarts: r.managed.restarts, keys: keysBefore };
      await r.managed.restart();
      const up = await waitForRedis(deps, 15_000);
      const keysAfter = up ? await deps.store.dbsize().catch(() => null) : null;
      const intact = keysBefore === null || keysAfter === keysBefore;
      return {
        outcome: up ? (intact ? 'done' : 'partial') : 'failed',
        message: up
          ? `Managed redis-server restarted (pid ${previous.pid} → ${r.managed.pid}); ${keysAfter} key(s) after, ${keysBefore ?? '?'} before${intact ? '' : ' — keys were lost: check redis.managed.appendonly and the files in <data_dir>/redis'}`
          : `redis-server was restarted but does not answer PING: ${r.managed.problem ?? 'unknown reason'}`,
        details: { state: r.managed.state, pid: r.managed.pid ?? null, keys_after: keysAfter, keys_before: keysBefore, data_intact: intact },
        previous,
      };
    }
    const previous = { mode: 'external', url: r.url, status: r.client.status, keys: keysBefore };
    // The console cannot restart someone else's Redis; it drops and re-opens its connections.
    r.client.disconnect(true);
    deps.store.disconnect(true);
    const up = await waitForRedis(deps, 10_000);
    return {
      outcome: up ? 'done' : 'failed',
      message: up ? `Reconnected to the external Redis at ${r.url}` : `Could not reconnect to ${r.url}: restart that Redis on its host, then try again`,
      details: { status: r.client.status, keys_after: up ? await deps.store.dbsize().catch(() => null) : null },
      previous,
    };
  },
};
