import type { Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startTestRedis, type TestRedis } from '../test/helpers/redis';
import { writeTestConfig } from '../test/helpers/console';

export const repoRoot = resolve(import.meta.dirname, '..');

export interface E2EConsole {
  url: string;
  token: string;
  redis: TestRedis;
  dir: string;
  /** Stops the console process only (Redis and the data dir stay), as if it crashed or was restarted. */
  stopServer(): Promise<void>;
  /** Starts it again on the same port with the same config and data. */
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs the built CLI (`whisperx-console serve`) as a user would, against its own Redis and data dir. */
export async function startE2EConsole(overrides: Record<string, unknown> = {}): Promise<E2EConsole> {
  const redis = await startTestRedis();
  const dir = mkdtempSync(join(tmpdir(), 'wxc-e2e-'));
  const { file } = writeTestConfig({ 'redis.url': redis.url, 'model.name': 'test-tiny-en', 'health.publish_interval_ms': 500, ...overrides }, dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const launch = async (): Promise<string> => {
    const proc = spawn(process.execPath, [join(repoRoot, 'bin/whisperx-console.js'), 'serve', '--config', file, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`console exited (${proc.exitCode}): ${out}`);
      try {
        // The CLI prints the token line right after it starts listening; wait for both.
        const r = await fetch(`${url}/health`);
        if ((r.status === 200 || r.status === 503) && /#token=\S+/.test(out)) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`console did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return /#token=(\S+)/.exec(out)?.[1] ?? '';
  };
  const halt = async () => {
    const proc = child;
    if (proc && proc.exitCode === null) {
      await new Promise<void>((res) => {
        proc.once('exit', () => res());
        proc.kill('SIGTERM');
      });
    }
  };

  const token = await launch();
  return {
    url,
    token,
    redis,
    dir,
    stopServer: halt,
    async startServer() {
      await launch();
    },
    async stop() {
      await halt();
      await redis.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens the console in the page with its token, collecting uncaught page errors (the returned array fills as they happen). */
export async function openConsole(page: Page, c: Pick<E2EConsole, 'url' | 'token'>): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${c.url}/#token=${c.token}`);
  return errors;
}
