/**
 * The monitoring wing: samplers → series store → charts, KPIs, Prometheus and the live
 * feed. Other wings' services are looked up by name at every sample and used only if
 * they have the methods needed, so neither side imports the other and order is free.
 */
import type { Redis } from 'ioredis';
import type { AlertRecord } from '../contract/alerts';
import type { HealthReport } from '../contract/health';
import { routes } from '../contract/routes';
import type { ModuleFactory, ServerContext } from '../core/module';
import { registerRoute } from '../api/register';
import { SeriesHistory } from './history';
import { PrometheusExporter } from './prometheus';
import { DiskSampler, recordEngine, recordGpuLocks, recordGpuTelemetry, recordHealth, recordJobStats, RedisSampler, SystemSampler, type Sampler } from './samplers';
import { MonitoringService } from './service';
import type { EngineStatusSource, GpuLockHealthSource, GpuTelemetrySource, JobStatsSource } from './sources';

declare module '../core/module' {
  interface ConsoleServices {
    monitoring: MonitoringService;
  }
}

/** A published service by name, if it has these methods (the other wing declares its own type). */
export function lookupService<T>(ctx: Pick<ServerContext, 'optional'>, name: string, methods: string[]): T | undefined {
  const svc = (ctx.optional as unknown as (n: string) => unknown)(name);
  if (!svc || typeof svc !== 'object') return undefined;
  return methods.every((m) => typeof (svc as Record<string, unknown>)[m] === 'function') ? (svc as T) : undefined;
}

/** Health is recomputed at most this often; in between the last report's components are re-recorded. */
function healthSampler(ctx: ServerContext): Sampler {
  let last: { at: number; report: HealthReport } | null = null;
  return {
    name: 'health',
    async sample(record) {
      const every = ctx.config.current.health.publish_interval_ms;
      if (!last || Date.now() - last.at >= every) last = { at: Date.now(), report: await ctx.health.report() };
      recordHealth(record, last.report);
    },
  };
}

function gpuSampler(ctx: ServerContext): Sampler {
  let lockHealth: { at: number; pending: boolean; source: unknown } = { at: 0, pending: false, source: null };
  return {
    name: 'gpu',
    async sample(record) {
      const telemetry = lookupService<GpuTelemetrySource>(ctx, 'gpuTelemetry', ['latest']);
      const s = telemetry?.latest();
      if (s) recordGpuTelemetry(record, s);
      // The lock report is a Redis transaction: every 5 s is plenty for "stuck with waiters".
      const locks = lookupService<GpuLockHealthSource>(ctx, 'gpuLocks', ['health']);
      if (locks && !lockHealth.pending && (locks !== lockHealth.source || Date.now() - lockHealth.at >= 5_000)) {
        lockHealth = { at: Date.now(), pending: true, source: locks };
        try {
          const h = await locks.health();
          if (h.status !== 'unhealthy' || h.locks.length) recordGpuLocks(record, h);
        } finally {
          lockHealth.pending = false;
        }
      }
    },
  };
}

/** The engine module's status (ConsoleServices engineStatus, or its engine service). */
function engineSampler(ctx: ServerContext): Sampler {
  return {
    name: 'engine',
    sample(record) {
      const engine = ctx.optional('engineStatus') ?? lookupService<EngineStatusSource>(ctx, 'engine', ['status']);
      if (engine) recordEngine(record, engine.status());
    },
  };
}

function jobsSampler(ctx: ServerContext): Sampler {
  return {
    name: 'jobs',
    async sample(record) {
      const jobs = lookupService<JobStatsSource>(ctx, 'jobStats', ['snapshot']);
      if (jobs) recordJobStats(record, await jobs.snapshot());
    },
  };
}

export const createMonitoringModule: ModuleFactory = async (ctx) => {
  const settings = ctx.config.current.monitoring;
  const logger = ctx.logs.for('monitoring');
  let client: Redis | undefined;
  const redis = () => (client ??= ctx.redis.createClient({ enableOfflineQueue: false, maxRetriesPerRequest: 0 }));
  const paths = () => {
    const p = ctx.config.current.paths;
    return { models: p.models, model_cache: p.model_cache, results: p.results, logs: p.logs, temp: p.temp };
  };
  const alerts = () => lookupService<{ openFor(metric: string): AlertRecord[]; current(): { alerts: AlertRecord[] } }>(ctx, 'alerts', ['openFor', 'current']);

  const service = new MonitoringService({
    settings,
    kpi: () => ctx.config.current.kpi,
    samplers: [new SystemSampler(), new DiskSampler(paths), new RedisSampler(redis, settings.redis_timeout_ms), healthSampler(ctx), engineSampler(ctx), gpuSampler(ctx), jobsSampler(ctx)],
    history: new SeriesHistory(redis, {
      prefix: settings.series.redis_prefix,
      points: settings.series.coarse_points,
      ttlMs: settings.series.coarse_points * settings.series.coarse_step_s * 1000 * 2,
    }),
    logger,
    openAlertsFor: () => {
      const a = alerts();
      return a ? (m: string) => a.openFor(m) : undefined;
    },
    publish: (snapshot) => ctx.bus.emit('metrics', snapshot),
    hasListeners: () => ctx.bus.subscriberCount > 0,
  });
  service.prometheus = new PrometheusExporter({
    latencyBucketsS: settings.prometheus.latency_buckets_s,
    defaultMetrics: settings.prometheus.default_metrics,
    latest: (name) => service.latest(name),
    kpis: () => service.kpis(),
    openAlerts: () => alerts()?.current().alerts ?? [],
  });
  ctx.onHttpResponse((t) => service.observeHttp(t));
  ctx.provide('monitoring', service);

  return {
    name: 'monitoring',
    registerRoutes(app, guard) {
      registerRoute(app, routes.monitoringMetrics, async ({ query }) => service.metrics(query), guard);
      registerRoute(app, routes.monitoringKpis, async () => ({ timestamp: new Date().toISOString(), kpis: service.kpis() }), guard);
      registerRoute(
        app,
        routes.prometheusMetrics,
        async ({ reply }) => {
          const text = await service.prometheus!.text();
          void reply.type(service.prometheus!.contentType);
          return text;
        },
        guard,
      );
    },
    async start() {
      if (settings.enabled) await service.start();
    },
    async close() {
      await service.stop();
      client?.disconnect();
    },
  };
};
