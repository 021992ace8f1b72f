import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConsoleError } from '../core/errors';
import type { Logger } from '../core/logger';

export interface ManagedRedisOptions {
  binary: string;
  port: number;
  /** Data dir for AOF/RDB files (under the app data dir). */
  dir: string;
  appendonly: boolean;
  restartOnExit: boolean;
  restartBackoffMs: number;
  logger: Logger;
}

export type ManagedRedisState = 'stopped' | 'starting' | 'running' | 'restarting' | 'missing' | 'failed';

/** Finds an executable on PATH (or accepts an absolute path). */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (name.includes('/')) {
    const r = spawnSync(name, ['--version'], { stdio: 'ignore' });
    return r.error ? null : name;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    const r = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
    if (!r.error) return candidate;
  }
  return null;
}

export const redisInstallHint = 'Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`) or set redis.url in config.yml to an external Redis.';

/**
 * A redis-server child owned by the console: loopback only, AOF on, data under the app data
 * dir; restarted with backoff if it dies; stopped when the console exits.
 */
export class ManagedRedis extends EventEmitter {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private _state: ManagedRedisState = 'stopped';
  private _restarts = 0;
  private lastError: string | null = null;
  private readonly exitHook = () => this.child?.kill('SIGTERM');

  constructor(private readonly opts: ManagedRedisOptions) {
    super();
  }

  get state(): ManagedRedisState {
    return this._state;
  }
  get restarts(): number {
    return this._restarts;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get url(): string {
    return `redis://127.0.0.1:${this.opts.port}`;
  }
  get problem(): string | null {
    return this.lastError;
  }

  private setState(s: ManagedRedisState) {
    this._state = s;
    this.emit('state', s);
  }

  /** Starts redis-server and resolves once it accepts connections. */
  async start(): Promise<void> {
    const binary = findExecutable(this.opts.binary);
    if (!binary) {
      this.lastError = `redis-server binary "${this.opts.binary}" not found on PATH`;
      this.setState('missing');
      throw new ConsoleError('redis_missing', this.lastError, { hint: redisInstallHint, status: 503 });
    }
    this.stopping = false;
    mkdirSync(this.opts.dir, { recursive: true });
    process.once('exit', this.exitHook);
    await this.launch(binary);
  }

  private launch(binary: string): Promise<void> {
    this.setState(this._state === 'restarting' ? 'restarting' : 'starting');
    const args = [
      '--port', String(this.opts.port),
      '--bind', '127.0.0.1',
      '--protected-mode', 'yes',
      '--dir', this.opts.dir,
      '--appendonly', this.opts.appendonly ? 'yes' : 'no',
      '--appendfsync', 'everysec',
      '--daemonize', 'no',
      '--logfile', '',
    ];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let out = '';
    return new Promise((resolve, reject) => {
      let ready = false;
      const onData = (buf: Buffer) => {
        const text = buf.toString();
        if (!ready) out += text;
        for (const line of text.split('\n')) if (line.trim()) this.opts.logger.info({ redis: line.trim() }, 'redis-server');
        if (!ready && /Ready to accept connections/.test(out)) {
          ready = true;
          this.lastError = null;
          this.setState('running');
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (err) => {
        this.lastError = `could not start redis-server: ${err.message}`;
        if (!ready) reject(new ConsoleError('redis_start_failed', this.lastError, { hint: redisInstallHint }));
      });
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!ready) {
          const tail = out.trim().split('\n').slice(-3).join(' | ');
          this.lastError = `redis-server exited at start (code ${code ?? signal}): ${tail}`;
          this.setState('failed');
          reject(
            new ConsoleError('redis_start_failed', this.lastError, {
              hint: `Is port ${this.opts.port} in use? Change redis.managed.port in config.yml.`,
            }),
          );
          return;
        }
        this.opts.logger.warn({ code, signal }, 'managed redis-server exited');
        this.emit('exit', { code, signal });
        if (this.stopping || !this.opts.restartOnExit) {
          this.setState('stopped');
          return;
        }
        this.setState('restarting');
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined;
          this._restarts += 1;
          this.launch(binary).catch((e: unknown) => {
            this.opts.logger.error({ err: e }, 'managed redis-server restart failed');
            this.setState('restarting');
            // keep trying with the same backoff: a port can be busy for a moment after a crash
            if (!this.stopping) this.restartTimer = setTimeout(() => void this.launch(binary).catch(() => undefined), this.opts.restartBackoffMs * 4);
          });
        }, this.opts.restartBackoffMs);
      });
    });
  }

  /** Stops redis-server (SIGTERM: it writes its AOF and exits). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    process.removeListener('exit', this.exitHook);
    const child = this.child;
    if (!child || child.exitCode !== null) {
      this.setState('stopped');
      return;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
    this.setState('stopped');
  }

  /** Stop then start again (the emergency "restart Redis" action). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
