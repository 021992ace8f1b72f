import type { HealthComponent, HealthReport } from '../contract/health';
import type { EngineStatus } from '../contract/model';
import type { IRedisService } from '../redis/service';
import { diskUsage, formatBytes, type DiskThresholds } from './disk';

/** Anything that can report its own health as one component of /health. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<HealthComponent>;
}

export interface EngineStatusSource {
  status(): EngineStatus;
}

export class RedisHealthCheck implements HealthCheck {
  readonly name = 'redis';
  constructor(private readonly redis: IRedisService) {}
  async check(): Promise<HealthComponent> {
    const ping = await this.redis.ping();
    const details = { mode: this.redis.mode, url: this.redis.url, ...(this.redis.managed ? { managed_state: this.redis.managed.state, restarts: this.redis.managed.restarts } : {}) };
    if (ping.ok) {
      return { status: 'up', message: `PONG in ${ping.latencyMs!.toFixed(1)} ms (${this.redis.mode})`, latency_ms: ping.latencyMs!, details };
    }
    const hint = this.redis.managed?.state === 'missing' ? 'Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`) or set redis.url in config.yml.' : `Check Redis at ${this.redis.url}; the console reconnects by itself once it answers.`;
    return { status: 'down', message: `Redis does not answer PING: ${ping.error}`, hint, details };
  }
}

export class DiskHealthCheck implements HealthCheck {
  readonly name = 'disk';
  constructor(
    private readonly paths: () => Record<string, string>,
    private readonly thresholds: () => DiskThresholds,
  ) {}
  async check(): Promise<HealthComponent> {
    const t = this.thresholds();
    const usage = diskUsage(this.paths(), t);
    const low = usage.filter((u) => u.status !== 'up');
    const minFree = usage.reduce((m, u) => Math.min(m, u.free_bytes), Number.POSITIVE_INFINITY);
    return {
      status: low.length ? 'down' : 'up',
      message: low.length
        ? `Low disk space for ${low.map((u) => `${u.name} (${formatBytes(u.free_bytes)} free, ${u.free_percent}%)`).join(', ')}`
        : `${formatBytes(minFree)} free on the fullest data path`,
      ...(low.length ? { hint: `Free space or move the data paths; below ${t.minFreeGb} GB or ${t.minFreePercent}% free is treated as down (health.disk_min_free_*).` } : {}),
      details: { paths: usage },
    };
  }
}

export class EngineHealthCheck implements HealthCheck {
  readonly name = 'engine';
  constructor(private readonly engine: EngineStatusSource) {}
  async check(): Promise<HealthComponent> {
    const s = this.engine.status();
    const status = s.state === 'error' || s.state === 'unavailable' ? 'down' : 'up';
    return {
      status,
      message: s.message,
      ...(s.error ? { hint: s.error } : {}),
      details: { state: s.state, execution_provider: s.execution_provider, execution_provider_reason: s.execution_provider_reason },
    };
  }
}

export interface HealthServiceOptions {
  version: string;
  startedAt: number;
  checks: HealthCheck[];
}

/** Builds the /health report: api + every registered component; unhealthy when any is down. */
export class HealthService {
  private readonly checks: HealthCheck[];
  constructor(private readonly opts: HealthServiceOptions) {
    this.checks = [...opts.checks];
  }

  add(check: HealthCheck): void {
    this.checks.push(check);
  }

  private inFlight: Promise<HealthReport> | null = null;

  /** Concurrent callers share one in-flight report (no caching beyond that: it is always current). */
  report(): Promise<HealthReport> {
    this.inFlight ??= this.compute().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async compute(): Promise<HealthReport> {
    const components: Record<string, HealthComponent> = {
      api: { status: 'up', message: `serving since ${new Date(this.opts.startedAt).toISOString()}` },
    };
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          return [c.name, await c.check()] as const;
        } catch (e) {
          return [c.name, { status: 'down', message: `health check failed: ${(e as Error).message}` } as HealthComponent] as const;
        }
      }),
    );
    for (const [name, comp] of results) components[name] = comp;
    const failing = Object.entries(components).filter(([, c]) => c.status === 'down').map(([n]) => n);
    const degraded = Object.values(components).some((c) => c.status === 'degraded');
    return {
      status: failing.length ? 'unhealthy' : degraded ? 'degraded' : 'healthy',
      timestamp: new Date().toISOString(),
      version: this.opts.version,
      uptime_s: Math.round((Date.now() - this.opts.startedAt) / 1000),
      failing,
      components,
    };
  }
}
