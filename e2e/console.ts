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
  stop(): Promise<void>;
}

/** Runs the built CLI (`whisperx-console serve`) as a user would, against its own Redis and data dir. */
export async function startE2EConsole(overrides: Record<string, unknown> = {}): Promise<E2EConsole> {
  const redis = await startTestRedis();
  const dir = mkdtempSync(join(tmpdir(), 'wxc-e2e-'));
  const { file } = writeTestConfig({ 'redis.url': redis.url, 'model.name': 'test-tiny-en', 'health.publish_interval_ms': 500, ...overrides }, dir);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'bin/whisperx-console.js'), 'serve', '--config', file, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`console exited (${child.exitCode}): ${out}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.status === 200 || r.status === 503) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`console did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const token = /#token=(\S+)/.exec(out)?.[1] ?? '';
  return {
    url,
    token,
    redis,
    dir,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((res) => {
          child.once('exit', () => res());
          child.kill('SIGTERM');
        });
      }
      await redis.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
