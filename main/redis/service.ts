import { Redis, type RedisOptions } from 'ioredis';
import { ConsoleError } from '../core/errors';
import type { Logger } from '../core/logger';
import { ManagedRedis, redisInstallHint } from './managed';

export interface RedisPing {
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

/** Where the console's Redis comes from and how to reach it. */
export interface IRedisService {
  readonly mode: 'managed' | 'external';
  readonly url: string;
  /** A new connection (callers own it and must quit it). Options merge over reconnecting defaults. */
  createClient(options?: RedisOptions): Redis;
  /** The shared command connection for light use. */
  readonly client: Redis;
  ping(timeoutMs?: number): Promise<RedisPing>;
  /** Managed mode: the child process; external: undefined. */
  readonly managed: ManagedRedis | undefined;
  close(): Promise<void>;
}

export interface RedisServiceOptions {
  url: string | null;
  managed: {
    binary: string;
    port: number;
    dir: string;
    appendonly: boolean;
    restartOnExit: boolean;
    restartBackoffMs: number;
  };
  pingTimeoutMs: number;
  logger: Logger;
}

/**
 * Redis for every service: an external URL (config redis.url) or a managed redis-server.
 * Connections reconnect forever with capped backoff, so a Redis restart heals without
 * restarting the console.
 */
export class RedisService implements IRedisService {
  readonly mode: 'managed' | 'external';
  readonly url: string;
  readonly managed: ManagedRedis | undefined;
  private _client: Redis | undefined;
  private readonly clients = new Set<Redis>();
  private startError: ConsoleError | null = null;

  private constructor(private readonly opts: RedisServiceOptions) {
    if (opts.url) {
      this.mode = 'external';
      this.url = opts.url;
      this.managed = undefined;
    } else {
      this.mode = 'managed';
      this.managed = new ManagedRedis({ ...opts.managed, logger: opts.logger });
      this.url = this.managed.url;
    }
  }

  /** Starts the managed server if needed; never throws for a missing binary (health reports it). */
  static async start(opts: RedisServiceOptions): Promise<RedisService> {
    const svc = new RedisService(opts);
    if (svc.managed) {
      try {
        await svc.managed.start();
      } catch (e) {
        svc.startError = e instanceof ConsoleError ? e : new ConsoleError('redis_start_failed', String(e));
        opts.logger.error({ err: svc.startError.message }, 'managed redis-server did not start');
      }
    }
    if (!svc.startError) await svc.ping(opts.pingTimeoutMs * 2);
    return svc;
  }

  get client(): Redis {
    if (!this._client) this._client = this.createClient();
    return this._client;
  }

  createClient(options: RedisOptions = {}): Redis {
    const client = new Redis(this.url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
      ...options,
    });
    // An error event with no listener would crash the process; the state is visible in health.
    client.on('error', (err: Error) => this.opts.logger.debug({ err: err.message }, 'redis connection error'));
    client.once('end', () => this.clients.delete(client));
    this.clients.add(client);
    return client;
  }

  async ping(timeoutMs = this.opts.pingTimeoutMs): Promise<RedisPing> {
    if (this.managed && (this.managed.state === 'missing' || (this.managed.state === 'failed' && this.startError))) {
      return { ok: false, latencyMs: null, error: this.managed.problem ?? this.startError?.message ?? 'redis-server not running' };
    }
    const c = this.client;
    if (c.status === 'wait' || c.status === 'connecting' || c.status === 'connect') {
      // First use, or mid-connect: give the connection the ping budget to become ready.
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(t);
          c.off('ready', done);
          c.off('end', done);
          resolve();
        }
        c.once('ready', done);
        c.once('end', done);
        if (c.status === 'wait') c.connect().catch(() => undefined);
      });
    }
    if (c.status !== 'ready') {
      return { ok: false, latencyMs: null, error: `no connection to ${this.url} (${c.status === 'reconnecting' ? 'reconnecting' : `${c.status}, reconnecting`})` };
    }
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        this.client.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no PING reply within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      if (reply !== 'PONG') return { ok: false, latencyMs: null, error: `unexpected PING reply ${String(reply)}` };
      return { ok: true, latencyMs: performance.now() - started, error: null };
    } catch (e) {
      return { ok: false, latencyMs: null, error: (e as Error).message };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  hint(): string {
    if (this.managed?.state === 'missing') return redisInstallHint;
    if (this.mode === 'external') return `Check that Redis at ${this.url} is running and reachable (redis-cli -u ${this.url} ping).`;
    return 'The managed redis-server is restarting; if this persists, use the "Restart Redis" emergency action or check logs/redis.log.';
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    this.clients.clear();
    this._client = undefined;
    if (this.managed) await this.managed.stop();
  }
}
