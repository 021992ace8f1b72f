// Builds everything that runs: the renderer (vite), the CLI/server and engine worker
// (esbuild, ESM, node_modules left external), and the Electron main + sandboxed preload.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];
const dist = join(root, 'dist');

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

async function buildMain() {
  const entryPoints = { 'main/cli': 'main/cli-entry.ts' };
  for (const [out, src] of Object.entries({
    'main/engine-worker': 'main/inference/engine/worker.ts',
  })) {
    if (existsSync(join(root, src))) entryPoints[out] = src;
  }
  await build({ ...nodeCommon, entryPoints, outdir: dist });
  // Lua scripts are read at run time beside the bundle (dist/main/lua/).
  const luaOut = join(dist, 'main', 'lua');
  const walk = (dir) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.lua')) {
        mkdirSync(luaOut, { recursive: true });
        cpSync(p, join(luaOut, e));
      }
    }
  };
  walk(join(root, 'main'));
}

async function buildApp() {
  const appEntries = { 'app/main': 'app/main.ts' };
  await build({ ...nodeCommon, entryPoints: appEntries, outdir: dist, outExtension: { '.js': '.mjs' }, external: ['electron'] });
  // The engine looks for its worker beside the bundle that runs it.
  if (existsSync(join(root, 'main/inference/engine/worker.ts'))) {
    await build({ ...nodeCommon, entryPoints: { 'app/engine-worker': 'main/inference/engine/worker.ts' }, outdir: dist });
  }
  // A sandboxed preload cannot require node_modules: bundle everything but electron, as CJS.
  await build({ ...nodeCommon, packages: undefined, format: 'cjs', entryPoints: { 'app/preload': 'app/preload.ts' }, outdir: dist, outExtension: { '.js': '.cjs' }, external: ['electron'] });
}

async function buildRenderer() {
  await viteBuild({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
}

const started = Date.now();
if (!only || only === 'renderer') await buildRenderer();
if (!only || only === 'main') await buildMain();
if (!only || only === 'app') await buildApp();
console.log(`built ${only ?? 'renderer, main, app'} into ${relative(process.cwd(), dist) || 'dist'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
