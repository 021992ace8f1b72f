import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfig, type ConsoleConfig } from '../../main/core/config/loader';
import { startServer, type ConsoleServer } from '../../main/server';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface TestConsole {
  server: ConsoleServer;
  dir: string;
  configFile: string;
  config: ConsoleConfig;
  /** fetch against the server, with the right Host; `auth: true` adds the bearer token. */
  fetch(path: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
  cleanup(): Promise<void>;
}

/**
 * Writes a config.yml for a test (the repo's config with overrides applied by key path),
 * its own data dir, and models pointing at the repo's models/.
 */
export function writeTestConfig(overrides: Record<string, unknown>, dir = mkdtempSync(join(tmpdir(), 'wxc-test-'))): { dir: string; file: string } {
  const doc = parseDocument(readFileSync(join(repoRoot, 'config.yml'), 'utf8'));
  const all: Record<string, unknown> = { 'paths.data_dir': join(dir, 'data'), 'paths.models': join(repoRoot, 'models'), ...overrides };
  for (const [k, v] of Object.entries(all)) doc.setIn(k.split('.'), v);
  const file = join(dir, 'config.yml');
  writeFileSync(file, doc.toString());
  return { dir, file };
}

export async function startTestConsole(overrides: Record<string, unknown> = {}, opts: { watchConfig?: boolean } = {}): Promise<TestConsole> {
  const { dir, file } = writeTestConfig(overrides);
  const config = loadConfig(file);
  const server = await startServer({ config, port: 0, watchConfig: opts.watchConfig ?? false });
  return {
    server,
    dir,
    configFile: file,
    config,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.auth) headers.set('authorization', `Bearer ${server.token}`);
      return fetch(`${server.url}${path}`, { ...init, headers });
    },
    async cleanup() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
