import { join } from 'node:path';
import type { CliIO } from '../../main/cli/common';

/** A CLI's stdout and stderr captured as strings, its data dir under `tmp`, not a TTY. */
export function capturedIO(tmp: string): CliIO & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    out: (s: string) => void (o.stdout += s),
    err: (s: string) => void (o.stderr += s),
    env: { ...process.env, WHISPERX_DATA_DIR: join(tmp, 'data') },
    cwd: process.cwd(),
    isTTY: false,
  };
  return o;
}
