import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/console';

const eslint = new ESLint({ cwd: repoRoot });

/** Lints a snippet with the project's eslint.config.js as if it were the file at `path`. */
async function lint(path: string, code: string): Promise<{ code: number; out: string }> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, path) });
  return { code: result!.errorCount > 0 ? 1 : 0, out: result!.messages.map((m) => `${m.ruleId}: ${m.message}`).join('\n') };
}

/** Runs the project's lint command itself (the eslint CLI) on a snippet as if it were the file at `path`. */
function lintCommand(path: string, code: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', path], {
    cwd: repoRoot,
    input: code,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe('the layer rule (folder = where code runs)', () => {
  it('main/ may not import electron', async () => {
    const r = await lint('main/inference/bad.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(r.code).toBe(1);
    expect(r.out).toContain('main/ runs in plain Node');
  });

  it('the lint command fails on main/ importing electron', () => {
    const r = lintCommand('main/jobs/bad.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(r.code).toBe(1);
    expect(r.out).toContain('main/ runs in plain Node');
  });

  it('main/ may not import renderer/', async () => {
    const r = await lint('main/api/bad.ts', "import { App } from '../../renderer/src/App';\nexport const x = App;\n");
    expect(r.code).toBe(1);
    expect(r.out).toContain('main/ never imports renderer/');
  });

  it('renderer/ may not import main/ outside main/contract/', async () => {
    const r = await lint('renderer/src/bad.ts', "import { startServer } from '../../main/server';\nexport const x = startServer;\n");
    expect(r.code).toBe(1);
    expect(r.out).toContain('renderer/ may import only main/contract/');
  });

  it('renderer/ may import main/contract/', async () => {
    const r = await lint('renderer/src/good.ts', "import { routes } from '../../main/contract';\nexport const x = routes;\n");
    expect(r.out).not.toContain('no-restricted-imports');
    expect(r.code).toBe(0);
  });

  it('renderer/ may not use Node built-ins', async () => {
    const r = await lint('renderer/src/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    expect(r.code).toBe(1);
    expect(r.out).toContain('no Node built-ins');
  });

  it('main/contract/ stays importable by the renderer: no node: modules, no other main/ code', async () => {
    expect((await lint('main/contract/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).code).toBe(1);
    expect((await lint('main/contract/bad.ts', "import { startServer } from '../server';\nexport const x = startServer;\n")).code).toBe(1);
  });

  it('app/ may import electron and main/', async () => {
    const r = await lint('app/good.ts', "import { app } from 'electron';\nimport { startServer } from '../main/server';\nexport const x = [app, startServer];\n");
    expect(r.code).toBe(0);
  });
});
