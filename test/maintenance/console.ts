import { rmSync } from 'node:fs';
import { loadConfig, type ConsoleConfig } from '../../main/core/config/loader';
import type { ModuleFactory } from '../../main/core/module';
import { createMaintenanceModule } from '../../main/maintenance/module';
import type { MaintenanceService } from '../../main/maintenance/service';
import { startServer, type ConsoleServer } from '../../main/server';
import { writeTestConfig } from '../helpers/console';
import { freePort } from '../helpers/redis';

export interface MaintenanceConsole {
  server: ConsoleServer;
  svc: MaintenanceService;
  config: ConsoleConfig;
  dir: string;
  fetch(path: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by each test's assertions
  post(path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** Publish a service under any name (stand-ins for wings a test does not start). */
  provide(name: string, service: unknown): void;
  cleanup(): Promise<void>;
}

/**
 * The real server with the maintenance module (and any `modules` before it), its own data
 * dir and, by default, a managed redis-server on a free port.
 */
export async function startMaintenanceConsole(overrides: Record<string, unknown> = {}, modules: ModuleFactory[] = []): Promise<MaintenanceConsole> {
  const { dir, file } = writeTestConfig({ 'redis.url': null, 'redis.managed.port': await freePort(), 'model.name': 'test-tiny-en', ...overrides });
  const config = loadConfig(file);
  const server = await startServer({ config, port: 0, watchConfig: false, modules: [...modules, createMaintenanceModule] });
  const fetchWith = (path: string, init: RequestInit & { auth?: boolean } = {}) => {
    const headers = new Headers(init.headers);
    if (init.auth) headers.set('authorization', `Bearer ${server.token}`);
    return fetch(`${server.url}${path}`, { ...init, headers });
  };
  return {
    server,
    svc: server.services.require('maintenance'),
    config,
    dir,
    fetch: fetchWith,
    async post(path, body) {
      const res = await fetchWith(path, { method: 'POST', auth: true, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
      return { status: res.status, json: await res.json() };
    },
    provide(name, service) {
      (server.services.provide as unknown as (n: string, s: unknown) => void)(name, service);
    },
    async cleanup() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
