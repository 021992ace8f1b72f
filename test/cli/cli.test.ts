import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../main/cli';
import type { CliIO } from '../../main/cli/common';
import { repoRoot, writeTestConfig } from '../helpers/console';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const io: CliIO = { out: (s) => (out += s), err: (s) => (err += s), env: { ...process.env, ...env }, cwd: repoRoot, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('whisperx-console CLI', () => {
  it('--help lists the commands and exit codes', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['serve', 'doctor', 'token']) expect(r.out).toContain(cmd);
    expect(r.out).toContain('Exit codes');
  });

  it('no command is a usage error (2); an unknown command too', async () => {
    expect((await run([])).code).toBe(2);
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "frobnicate"');
  });

  it('an unknown flag is a usage error that shows the command help', async () => {
    const r = await run(['token', '--nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('whisperx-console token');
  });

  it('token creates the token (mode 0600) once and prints the same one after', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wxc-token-'));
    const a = await run(['token', '--data-dir', dataDir]);
    const b = await run(['token', '--data-dir', dataDir]);
    expect(a.code).toBe(0);
    expect(a.out.trim()).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(b.out).toBe(a.out);
    const file = (await run(['token', '--data-dir', dataDir, '--file'])).out.trim();
    expect(readFileSync(file, 'utf8').trim()).toBe(a.out.trim());
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('an invalid config exits 3 with the key, value and line', async () => {
    const { file } = writeTestConfig({ 'server.port': 'eighty' });
    const r = await run(['token', '--config', file]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/config\.yml:\d+:\d+: server\.port: .*"eighty"/);
  });

  it('doctor reports each dependency and which execution provider would be used', async () => {
    const { file } = writeTestConfig({ 'model.name': 'test-tiny-en' });
    const r = await run(['doctor', '--json', '--config', file, '--profile', 'high_performance']);
    const { checks } = JSON.parse(r.out) as { checks: Array<{ name: string; status: string; detail: string }> };
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    for (const n of ['node', 'config', 'data dir', 'redis-server', 'ffmpeg', 'onnxruntime', 'execution provider', 'model', 'disk results', 'chromium (tests)']) {
      expect(byName[n], n).toBeDefined();
    }
    expect(byName['model']!.status).toBe('ok');
    // This machine has no CUDA libraries: device auto falls back to CPU and says why.
    expect(byName['execution provider']!.detail).toMatch(/^(cuda|cpu — CUDA unavailable: .+)/);
    expect(r.code).toBe(checks.some((c) => c.status === 'fail') ? 4 : 0);
  });

  it('doctor exits 4 when something it needs is missing', async () => {
    const { file } = writeTestConfig({ 'model.name': 'missing-model' });
    const r = await run(['doctor', '--config', file]);
    expect(r.code).toBe(4);
    expect(r.out).toContain('✗ model');
    expect(r.out).toContain('fix:');
  });

  it('the built bin runs (npm run build first) and prints help', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin/whisperx-console.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('whisperx-console');
  });
});
