import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, registerLiveFeed } from './api/http';
import { registerCoreRoutes } from './api/routes/core';
import { ensureApiToken } from './api/token';
import { routes } from './contract/routes';
import { watchConfig, type ConfigWatcher, type ConsoleConfig } from './core/config/loader';
import { ConfigStore } from './core/config/store';
import { ServiceRegistry, type ConsoleModule, type HttpTiming, type ModuleFactory, type ServerContext } from './core/module';
import { describeError } from './core/errors';
import { EventBus } from './core/events';
import { LoggerFactory, type Logger } from './core/logger';
import { packageRoot } from './core/paths';
import { ModelFolderStatus } from './inference/model-status';
import { DiskHealthCheck, EngineHealthCheck, HealthService, RedisHealthCheck } from './monitoring/health';
import { moduleFactories } from './modules';
import { RedisService } from './redis/service';
import { version } from './version';

export interface ServerOptions {
  config: ConsoleConfig;
  /** Override the listen port (tests use 0). */
  port?: number;
  /** Log to stderr too (the CLI's serve). */
  logToStderr?: boolean;
  /** Watch config.yml for changes (default true). */
  watchConfig?: boolean;
  /** Built UI folder; default dist/renderer of the package. */
  uiDir?: string;
  /** Modules to build (default: main/modules.ts). */
  modules?: ModuleFactory[];
  /** How long to wait for one module's start before serving anyway (default 10 s). */
  moduleStartWaitMs?: number;
}

/** Everything the console runs, built from config and wired together (the composition root). */
export interface ConsoleServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly tokenFile: string;
  readonly app: FastifyInstance;
  readonly bus: EventBus;
  readonly config: ConfigStore;
  readonly redis: RedisService;
  readonly health: HealthService;
  readonly logger: Logger;
  readonly logs: LoggerFactory;
  readonly services: ServiceRegistry;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<ConsoleServer> {
  const cfg0 = opts.config;
  for (const dir of [cfg0.paths.data_dir, cfg0.paths.logs, cfg0.paths.temp, cfg0.paths.results, cfg0.paths.model_cache]) {
    mkdirSync(dir, { recursive: true });
  }
  const logs = new LoggerFactory({ dir: cfg0.paths.logs, stderr: opts.logToStderr ?? false });
  const logger = logs.for('api');
  const config = new ConfigStore(cfg0);
  const bus = new EventBus();
  const { token, file: tokenFile } = ensureApiToken(cfg0.paths.data_dir);

  const redis = await RedisService.start({
    url: cfg0.redis.url,
    managed: {
      binary: cfg0.redis.managed.binary,
      port: cfg0.redis.managed.port,
      dir: join(cfg0.paths.data_dir, 'redis'),
      appendonly: cfg0.redis.managed.appendonly,
      restartOnExit: cfg0.redis.managed.restart_on_exit,
      restartBackoffMs: cfg0.redis.managed.restart_backoff_ms,
    },
    pingTimeoutMs: cfg0.redis.ping_timeout_ms,
    logger: logs.for('redis'),
  });

  const folderStatus = new ModelFolderStatus(() => ({ modelsDir: config.current.paths.models, name: config.current.model.name }));
  // The inference module's engine once it is there (its state: loading, ready, error…), else the model folder.
  const services = new ServiceRegistry();
  const engine = { status: () => services.optional('engineStatus')?.status() ?? folderStatus.status() };
  const dataPaths = () => {
    const p = config.current.paths;
    return { models: p.models, model_cache: p.model_cache, results: p.results, logs: p.logs, temp: p.temp };
  };
  const health = new HealthService({
    version,
    startedAt: Date.now(),
    checks: [
      new RedisHealthCheck(redis),
      new DiskHealthCheck(dataPaths, () => ({ minFreeGb: config.current.health.disk_min_free_gb, minFreePercent: config.current.health.disk_min_free_percent })),
      new EngineHealthCheck(engine),
    ],
  });

  const timingListeners: Array<(t: HttpTiming) => void> = [];
  const closers: Array<() => Promise<void> | void> = [];
  let boundPort = 0;
  const ctx: ServerContext = {
    config,
    bus,
    logs,
    redis,
    health,
    port: () => boundPort,
    token,
    provide: (name, svc) => services.provide(name, svc),
    require: (name) => services.require(name),
    optional: (name) => services.optional(name),
    onHttpResponse: (l) => timingListeners.push(l),
    onClose: (fn) => closers.push(fn),
  };

  const { app, guard, setPort } = createHttpServer({
    host: cfg0.server.host,
    port: opts.port ?? cfg0.server.port,
    bodyLimit: cfg0.server.body_limit_bytes,
    token,
    bus,
    logger,
    uiDir: opts.uiDir ?? join(packageRoot(), 'dist', 'renderer'),
    onResponse: (route, method, status, ms) => {
      for (const l of timingListeners) l({ route, method, status, ms });
    },
  });
  registerCoreRoutes(app, guard, { health, config, bus, engine });

  const modules: ConsoleModule[] = [];
  const closeModules = async () => {
    for (const m of [...modules].reverse()) {
      if (!m.close) continue;
      let timer: NodeJS.Timeout | undefined;
      const closed = m.close().then(
        () => true,
        (e: unknown) => {
          logger.error({ module: m.name, err: describeError(e) }, 'module close failed');
          return true;
        },
      );
      // A close that waits on an unreachable Redis must not keep the process from exiting.
      const done = await Promise.race([closed, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5000)))]);
      clearTimeout(timer);
      if (!done) logger.warn({ module: m.name }, 'module did not close within 5 s; going on');
    }
    for (const fn of [...closers].reverse()) await fn();
  };
  try {
    for (const factory of opts.modules ?? moduleFactories) {
      const t0 = performance.now();
      const m = await factory(ctx);
      logger.debug({ module: m.name, ms: Math.round(performance.now() - t0) }, 'module built');
      modules.push(m);
      for (const check of m.healthChecks ?? []) health.add(check);
      m.registerRoutes?.(app, guard);
    }
  } catch (e) {
    await closeModules();
    await redis.close();
    throw e;
  }
  registerLiveFeed(app, routes.events.path, bus, async () => [{ type: 'health', ts: new Date().toISOString(), data: await health.report() }]);

  // Health is pushed on the feed so the header changes without polling.
  let publishing = false;
  const publishHealth = async () => {
    if (publishing || bus.subscriberCount === 0) return;
    publishing = true;
    try {
      bus.emit('health', await health.report());
    } finally {
      publishing = false;
    }
  };
  const healthTimer = setInterval(() => void publishHealth(), cfg0.health.publish_interval_ms);
  redis.managed?.on('state', () => void publishHealth());

  let watcher: ConfigWatcher | undefined;
  if (opts.watchConfig !== false) {
    watcher = watchConfig(
      cfg0.source.file,
      { dataDir: cfg0.paths.data_dir },
      (next) => {
        const changed = config.replace(next);
        if (changed.length === 0) return;
        logger.info({ changed }, 'config.yml changed');
        bus.emit('config.changed', { file: next.source.file, active_profile: next.active_profile, changed_sections: changed });
      },
      (err) => {
        logger.warn({ err: err.message }, 'config.yml change rejected');
        bus.emit('config.error', { file: cfg0.source.file, message: describeError(err) });
      },
    );
  }

  await app.listen({ host: cfg0.server.host, port: opts.port ?? cfg0.server.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? cfg0.server.port);
  setPort(port);
  boundPort = port;
  // A module whose start waits on Redis (subscriptions, queue connections) must not keep the
  // API down: the operator needs /health and the emergency actions most when Redis is gone.
  for (const m of modules) {
    if (!m.start) continue;
    const t0 = performance.now();
    const started = m.start().then(
      () => logger.debug({ module: m.name, ms: Math.round(performance.now() - t0) }, 'module started'),
      (e: unknown) => logger.error({ module: m.name, err: describeError(e) }, 'module failed to start'),
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([started.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), opts.moduleStartWaitMs ?? 10_000)))]);
    clearTimeout(timer);
    if (!waited) logger.warn({ module: m.name }, 'module still starting (waiting for Redis?); serving without waiting for it');
  }
  const url = `http://${cfg0.server.host}:${port}`;
  logger.info({ url, version }, 'console listening');

  let closed = false;
  return {
    url,
    port,
    token,
    tokenFile,
    app,
    bus,
    config,
    redis,
    health,
    logger,
    logs,
    services,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(healthTimer);
      watcher?.close();
      await app.close();
      await closeModules();
      await redis.close();
    },
  };
}
