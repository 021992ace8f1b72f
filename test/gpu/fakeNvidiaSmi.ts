import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesDir = fileURLToPath(new URL('../fixtures/nvidia-smi/', import.meta.url));

export const fixture = (scenario: string, file: string): string => readFileSync(join(fixturesDir, scenario, file), 'utf8');

export interface FakeNvidiaSmi {
  /** Environment for the sampler: the fake first on PATH, replaying `scenario`. */
  env(scenario: string): NodeJS.ProcessEnv;
  /** Arguments of every call so far, one string per call. */
  calls(): string[];
  /** A PATH on which no nvidia-smi exists. */
  envWithoutNvidiaSmi(): NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Puts test/fixtures/nvidia-smi/bin/nvidia-smi (a replay of recorded output) in a temp bin dir. */
export function fakeNvidiaSmi(): FakeNvidiaSmi {
  const dir = mkdtempSync(join(tmpdir(), 'wxc-nvsmi-'));
  const bin = join(dir, 'bin');
  const empty = join(dir, 'empty');
  mkdirSync(bin);
  mkdirSync(empty);
  copyFileSync(join(fixturesDir, 'bin', 'nvidia-smi'), join(bin, 'nvidia-smi'));
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  const log = join(dir, 'calls.log');
  return {
    env: (scenario) => ({
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      FAKE_NVIDIA_SMI_SCENARIO: join(fixturesDir, scenario),
      FAKE_NVIDIA_SMI_ARGS_LOG: log,
    }),
    calls: () => {
      try {
        return readFileSync(log, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    envWithoutNvidiaSmi: () => ({ ...process.env, PATH: empty }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
