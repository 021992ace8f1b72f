import { loadConfig, locateConfig, withProfile, type ConsoleConfig } from '../core/config/loader';

/** Exit codes of whisperx-console (documented in docs/cli.md). */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  doctorProblems: 4,
  cancelled: 130,
} as const;

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  isTTY: boolean;
}

export const processIO = (): CliIO => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stderr.isTTY),
});

export class UsageError extends Error {}

export interface CommonFlags {
  config?: string | undefined;
  'data-dir'?: string | undefined;
  profile?: string | undefined;
}

export const commonOptions = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function configFromFlags(flags: CommonFlags, io: CliIO): ConsoleConfig {
  const file = locateConfig({ flag: flags.config, env: io.env, cwd: io.cwd });
  const cfg = loadConfig(file, { dataDir: flags['data-dir'], env: io.env });
  return flags.profile ? withProfile(cfg, flags.profile) : cfg;
}
