import { registerRoute, WithStatus } from '../api/register';
import type { HealthComponent } from '../contract/health';
import { routes } from '../contract/routes';
import type { ModuleFactory } from '../core/module';
import type { AuditEntry, AuditSink } from './audit';
import { GpuLockManager } from './lockManager';
import { gpuLockSettings, gpuTelemetrySettings } from './options';
import { GpuTelemetrySampler } from './telemetry/sampler';

declare module '../core/module' {
  interface ConsoleServices {
    gpuLocks: GpuLockManager;
    gpuTelemetry: GpuTelemetrySampler;
  }
}

/** /health's GPU component shows the lock state read at most this long ago (GpuLockManager.recentHealth). */
const HEALTH_LOCK_MAX_AGE_MS = 1000;

/**
 * The manual's "GPU resource management": one lock per device with heartbeats, its health
 * and force release, and nvidia-smi telemetry.
 */
export const createGpuModule: ModuleFactory = async (ctx) => {
  const cfg = ctx.config.current;
  const logger = ctx.logs.for('gpu');
  const emit = (type: string, data: unknown) => ctx.bus.emit(type as never, data as never);
  const telemetry = new GpuTelemetrySampler({ settings: gpuTelemetrySettings(cfg.gpu.telemetry), emit, logger });
  // The audit log belongs to the maintenance wing, which starts later: look it up when used.
  const audit: AuditSink = {
    async record(entry: AuditEntry) {
      const sink = ctx.optional('audit' as never) as AuditSink | undefined;
      if (!sink) throw new Error('the audit log is not available');
      await sink.record(entry);
    },
  };
  const locks = new GpuLockManager({
    redis: () => ctx.redis.createClient({ maxRetriesPerRequest: null }),
    settings: gpuLockSettings(cfg.gpu.lock),
    deviceCount: () => telemetry.deviceCount() ?? ctx.config.current.gpu.device_count ?? 1,
    audit,
    emit,
    logger,
  });
  ctx.provide('gpuLocks', locks);
  ctx.provide('gpuTelemetry', telemetry);

  // One sample before serving, so the lock count matches the GPUs from the first request.
  await telemetry.sample().catch((e: unknown) => logger.warn({ err: String(e) }, 'first GPU telemetry sample failed'));

  return {
    name: 'gpu',
    healthChecks: [
      {
        name: 'gpu',
        async check(): Promise<HealthComponent> {
          const t = telemetry.latest();
          const h = await locks.recentHealth(HEALTH_LOCK_MAX_AGE_MS);
          const held = h.locks.filter((l) => l.state !== 'free');
          const lockText = held.length ? held.map((l) => `gpu_lock:${l.device} ${l.state}`).join(', ') : `${h.locks.length} lock${h.locks.length === 1 ? '' : 's'} free`;
          return {
            // Unreadable lock state means Redis is down: that component fails, this one is degraded.
            status: h.status === 'healthy' ? 'up' : 'degraded',
            message: `${t?.message ?? 'GPU telemetry not sampled yet'}; ${lockText}`,
            ...(h.hint ? { hint: h.hint } : {}),
            details: { mode: t?.mode ?? 'cpu', locks_read_at: h.timestamp, locks: h.locks.map((l) => ({ key: `gpu_lock:${l.device}`, state: l.state, waiters: l.waiters.count })) },
          };
        },
      },
    ],
    registerRoutes(app, guard) {
      registerRoute(
        app,
        routes.gpuLockHealth,
        async () => {
          const r = await locks.health();
          return r.status === 'unhealthy' ? new WithStatus(503, r) : r;
        },
        guard,
      );
      registerRoute(
        app,
        routes.releaseGpuLock,
        async ({ body, request }) =>
          locks.forceRelease({ lockKey: body.lock_key, actor: `api ${request.ip}`, ...(body.reason ? { reason: body.reason } : {}) }),
        guard,
      );
      registerRoute(app, routes.gpuTelemetry, async ({ query }) => telemetry.report(query.points), guard);
    },
    async start() {
      telemetry.start();
      await locks.start();
    },
    async close() {
      telemetry.stop();
      await locks.close();
    },
  };
};
