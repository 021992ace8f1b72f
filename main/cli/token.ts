import { parseArgs } from 'node:util';
import { ensureApiToken } from '../api/token';
import { commonOptions, configFromFlags, exitCodes, type CliIO } from './common';

export const tokenHelp = `whisperx-console token [--config FILE] [--data-dir DIR] [--file]

Prints the API bearer token (created, mode 0600, on first use) that mutating routes need:
  curl -H "Authorization: Bearer $(whisperx-console token)" -X POST ...
--file prints the token file's path instead.`;

export async function runToken(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...commonOptions, file: { type: 'boolean' } }, strict: true });
  if (values.help) {
    io.out(`${tokenHelp}\n`);
    return exitCodes.ok;
  }
  const cfg = configFromFlags(values, io);
  const { token, file } = ensureApiToken(cfg.paths.data_dir);
  io.out(`${values.file ? file : token}\n`);
  return exitCodes.ok;
}
