import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { GpuDeviceSample, GpuTelemetryReport, GpuTelemetrySample } from '../../contract/gpu';
import { describeError } from '../../core/errors';
import { silentLogger, type Logger } from '../../core/logger';
import { noGpuEvents, type GpuEventEmitter } from '../events';
import type { GpuTelemetrySettings } from '../options';
import { computeAppsArgs, firstLine, gpuQueryArgs, noGpuReason, parseComputeApps, parseGpuQuery } from './nvidiaSmi';
import { RingBuffer } from './series';

export interface GpuTelemetryOptions {
  settings: GpuTelemetrySettings;
  emit?: GpuEventEmitter;
  logger?: Logger;
  /** Environment of nvidia-smi; its PATH is where a bare `nvidia-smi` is looked up. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface SmiRun {
  stdout: string;
  stderr: string;
  /** Exit code; null when it did not run or was killed. */
  code: number | null;
  /** Spawn failure (ENOENT, EACCES) or 'timeout'. */
  failure: string | null;
}

const NO_GPU = 'no GPU detected — CPU mode';

/**
 * Samples nvidia-smi on an interval (one short call per sample rather than `-l`: a hung
 * call is killed on its own timeout, and a driver loaded later is picked up). Keeps the
 * latest sample and a ring-buffer series, and puts each sample on the live feed.
 */
export class GpuTelemetrySampler {
  private readonly settings: GpuTelemetrySettings;
  private readonly logger: Logger;
  private readonly emit: GpuEventEmitter;
  private readonly history: RingBuffer<GpuTelemetrySample>;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastState: GpuTelemetrySample['state'] | null = null;

  constructor(private readonly opts: GpuTelemetryOptions) {
    this.settings = opts.settings;
    this.logger = opts.logger ?? silentLogger;
    this.emit = opts.emit ?? noGpuEvents;
    this.history = new RingBuffer(opts.settings.historySize);
  }

  /** First sample at once, then one every interval_ms (never two at a time). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      await this.sample().catch((e: unknown) => this.logger.error({ err: describeError(e) }, 'GPU telemetry sample failed'));
      if (!this.running) return;
      this.timer = setTimeout(() => void loop(), this.settings.intervalMs);
      this.timer.unref();
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  latest(): GpuTelemetrySample | null {
    return this.history.last() ?? null;
  }

  /** The newest `points` samples (all kept by default), oldest first. */
  series(points?: number): GpuTelemetrySample[] {
    return this.history.toArray(points);
  }

  /** What GET /api/v1/monitoring/gpu returns. */
  report(points?: number): GpuTelemetryReport {
    return { latest: this.latest(), series: this.series(points), interval_ms: this.settings.intervalMs, history_size: this.settings.historySize };
  }

  /** GPUs in the latest sample; null when none were found (CPU mode) or nothing was sampled yet. */
  deviceCount(): number | null {
    const s = this.latest();
    return s && s.state === 'ok' && s.gpus.length > 0 ? Math.max(...s.gpus.map((g) => g.index)) + 1 : null;
  }

  /** Takes one sample now, stores it and emits it. */
  async sample(): Promise<GpuTelemetrySample> {
    const sample = await this.measure();
    this.history.push(sample);
    if (sample.state !== this.lastState) {
      this.logger.info({ state: sample.state, gpus: sample.gpus.length }, sample.message);
      this.lastState = sample.state;
    }
    this.emit('gpu.telemetry', sample);
    return sample;
  }

  private async measure(): Promise<GpuTelemetrySample> {
    const timestamp = new Date().toISOString();
    const previousMode = this.latest()?.mode ?? 'cpu';
    if (!this.settings.enabled) {
      return { timestamp, state: 'disabled', mode: 'cpu', message: `GPU telemetry is off (gpu.telemetry.enabled: false); ${NO_GPU} is assumed`, gpus: [], warnings: [] };
    }
    // Most CPU machines have no nvidia-smi: look it up with a few stat calls instead of
    // spawning it every interval (a spawn from a large process costs the event loop
    // several milliseconds). A driver installed later is still found at the next sample.
    if (!this.findExecutable()) {
      return { timestamp, state: 'no_gpu', mode: 'cpu', message: `${NO_GPU} (${this.settings.nvidiaSmiPath} is not installed or not on PATH)`, gpus: [], warnings: [] };
    }
    const [query, apps] = await Promise.all([this.run(gpuQueryArgs()), this.settings.queryComputeApps ? this.run(computeAppsArgs()) : Promise.resolve(null)]);
    const path = this.settings.nvidiaSmiPath;

    if (query.failure === 'ENOENT') {
      return { timestamp, state: 'no_gpu', mode: 'cpu', message: `${NO_GPU} (${path} is not installed or not on PATH)`, gpus: [], warnings: [] };
    }
    if (query.failure) {
      const why = query.failure === 'timeout' ? `did not answer within ${this.settings.timeoutMs} ms` : `could not be started (${query.failure})`;
      return { timestamp, state: 'error', mode: previousMode, message: `${path} ${why}`, gpus: [], warnings: [] };
    }

    const parsed = parseGpuQuery(query.stdout);
    const warnings = [...parsed.warnings];
    if (parsed.gpus.length === 0) {
      const output = `${query.stdout}\n${query.stderr}`;
      const reason = noGpuReason(output) ?? (query.code === 0 ? 'nvidia-smi listed no GPU' : null);
      if (reason) return { timestamp, state: 'no_gpu', mode: 'cpu', message: `${NO_GPU} (${reason})`, gpus: [], warnings: [] };
      return {
        timestamp,
        state: 'error',
        mode: previousMode,
        message: `${path} failed (exit code ${query.code}): ${firstLine(query.stderr) || firstLine(query.stdout) || 'no output'}`,
        gpus: [],
        warnings,
      };
    }
    if (query.code !== 0) warnings.push(`${path} exited with code ${query.code}: ${firstLine(query.stderr) || 'see the lines above'}`);

    const gpus: GpuDeviceSample[] = parsed.gpus.map((g) => ({ ...g, processes: [] }));
    if (apps) {
      if (apps.failure || apps.code !== 0) {
        warnings.push(`per-process GPU memory is not available: ${apps.failure ?? (firstLine(apps.stderr || apps.stdout) || `exit code ${apps.code}`)}`);
      } else {
        const procs = parseComputeApps(apps.stdout);
        warnings.push(...procs.warnings);
        for (const app of procs.apps) {
          const gpu = gpus.find((g) => g.uuid !== null && g.uuid === app.gpu_uuid) ?? (gpus.length === 1 && app.gpu_uuid === null ? gpus[0] : undefined);
          if (gpu) gpu.processes.push({ pid: app.pid, used_memory_mib: app.used_memory_mib });
          else warnings.push(`process ${app.pid} uses a GPU not in the list (${app.gpu_uuid ?? 'unknown uuid'})`);
        }
      }
    }
    const names = gpus.map((g) => `${g.index}: ${g.name ?? 'unknown'}`).join(', ');
    return { timestamp, state: 'ok', mode: 'gpu', message: `${gpus.length} GPU${gpus.length === 1 ? '' : 's'} (${names})`, gpus, warnings };
  }

  /** Whether nvidia-smi (a path, or a name looked up on PATH) is an executable file. */
  private findExecutable(): boolean {
    const cmd = this.settings.nvidiaSmiPath;
    const executable = (f: string) => {
      try {
        accessSync(f, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    };
    if (isAbsolute(cmd) || cmd.includes('/')) return executable(cmd);
    const path = (this.opts.env ?? process.env).PATH ?? '';
    return path.split(delimiter).some((dir) => dir !== '' && executable(join(dir, cmd)));
  }

  private run(args: string[]): Promise<SmiRun> {
    return new Promise((resolve) => {
      execFile(
        this.settings.nvidiaSmiPath,
        args,
        { timeout: this.settings.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, env: this.opts.env ?? process.env, windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, stderr, code: 0, failure: null });
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          if (typeof e.code === 'string') return resolve({ stdout, stderr, code: null, failure: e.code });
          if (e.killed) return resolve({ stdout, stderr, code: null, failure: 'timeout' });
          resolve({ stdout, stderr, code: typeof e.code === 'number' ? e.code : null, failure: null });
        },
      );
    });
  }
}
