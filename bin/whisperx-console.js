#!/usr/bin/env node
// Runs the built CLI (npm run build writes dist/); from a source checkout without a build,
// say how to build instead of failing with a module error.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/main/cli.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('whisperx-console: not built yet. Run `npm run build` in the repository first.\n');
  process.exit(1);
}
await import(entry);
