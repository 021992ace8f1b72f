/**
 * The alerts wing: rules from config.yml over the monitoring series, lifecycle, Redis
 * history, routes, and the feeds from other wings (config watch, engine crashes, uncaught
 * exceptions, maintenance reminders). Comes after monitoring in main/modules.ts.
 */
import type { Redis } from 'ioredis';
import type { EngineStatus } from '../contract/model';
import { routes } from '../contract/routes';
import type { ModuleFactory } from '../core/module';
import { registerRoute } from '../api/register';
import { lookupService } from '../monitoring/module';
import { AlertsService } from './service';
import { AlertStore } from './store';

declare module '../core/module' {
  interface ConsoleServices {
    alerts: AlertsService;
  }
}

export const createAlertsModule: ModuleFactory = async (ctx) => {
  const monitoring = ctx.require('monitoring');
  const cfg = () => ctx.config.current.alerts;
  const logger = ctx.logs.for('alerts');
  let client: Redis | undefined;
  const redis = () => (client ??= ctx.redis.createClient({ enableOfflineQueue: false, maxRetriesPerRequest: 0 }));
  const initial = cfg();

  const service = new AlertsService({
    store: new AlertStore(redis, initial.redis_prefix, initial.history_max),
    metrics: monitoring.store,
    settings: () => {
      const c = cfg();
      return { enabled: c.enabled, rules: c.rules, notify: c.notify, evaluateIntervalMs: c.evaluate_interval_ms };
    },
    kpi: () => ctx.config.current.kpi,
    emit: (type, data) => ctx.bus.emit(type, data),
    maxSampleAgeMs: () => monitoring.maxSampleAgeMs,
    logger,
    beforeEvaluate: () => checkEngine(),
  });
  ctx.provide('alerts', service);

  // The config store is what the bus's config.changed event is emitted from; listening here
  // rather than on the bus keeps the bus's subscriber count meaning "someone watches the feed".
  const onConfigChange = (next: { active_profile: string }, changed: string[]) => service.configChanged(`${changed.join(', ')} (profile ${next.active_profile})`);
  ctx.config.on('change', onConfigChange);

  // Engine crashes: the status turns to "error" (worker died or the model failed to load).
  let lastEngineState: EngineStatus['state'] | null = null;
  const checkEngine = () => {
    const engine = ctx.optional('engineStatus') ?? lookupService<{ status(): EngineStatus }>(ctx, 'engine', ['status']);
    const s = engine?.status();
    if (!s) return;
    const wasError = lastEngineState === 'error';
    lastEngineState = s.state;
    if (s.state === 'error' && !wasError) service.reportSystemError('engine_crash', s.error ?? s.message);
  };
  const engineWatch = setInterval(checkEngine, 1_000);
  engineWatch.unref();

  // The monitor variant never changes Node's crash behaviour; it only gets to see the error first.
  const onUncaught = (err: Error, origin: string) => service.reportSystemError('uncaught_exception', `${origin}: ${err.message}`);
  process.on('uncaughtExceptionMonitor', onUncaught);

  return {
    name: 'alerts',
    registerRoutes(app, guard) {
      registerRoute(app, routes.monitoringAlerts, async ({ query }) => service.current(query), guard);
      registerRoute(app, routes.alertHistory, async ({ query }) => service.history(query), guard);
      registerRoute(app, routes.acknowledgeAlert, async ({ body }) => service.act(body), guard);
      registerRoute(app, routes.alertRules, async () => service.rules(), guard);
    },
    async start() {
      await service.start({ timer: cfg().enabled });
    },
    async close() {
      clearInterval(engineWatch);
      ctx.config.off('change', onConfigChange);
      process.off('uncaughtExceptionMonitor', onUncaught);
      await service.stop();
      client?.disconnect();
    },
  };
};
