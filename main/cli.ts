import { describeError, isConsoleError } from './core/errors';
import { exitCodes, processIO, UsageError, type CliIO } from './cli/common';
import { doctorHelp, runDoctor } from './cli/doctor';
import { runServe, serveHelp } from './cli/serve';
import { runSubmit, submitHelp } from './cli/submit';
import { runToken, tokenHelp } from './cli/token';
import { runTranscribe, transcribeHelp } from './cli/transcribe';
import { runWorker, workerHelp } from './cli/worker';
import { version } from './version';

type Command = { summary: string; help: string; run: (argv: string[], io: CliIO) => Promise<number> };

export const commands: Record<string, Command> = {
  transcribe: { summary: 'transcribe audio/video files with the local engine (srt, vtt, txt, tsv, json)', help: transcribeHelp, run: (argv, io) => runTranscribe(argv, io) },
  serve: { summary: 'start the console (API + UI on 127.0.0.1:8788, managed Redis, services)', help: serveHelp, run: runServe },
  doctor: { summary: 'check dependencies, models, execution provider, disk', help: doctorHelp, run: runDoctor },
  token: { summary: 'print the API bearer token', help: tokenHelp, run: runToken },
  submit: { summary: 'queue files for transcription in the running console (waits unless --no-wait)', help: submitHelp, run: runSubmit },
  worker: { summary: 'headless transcription worker against a console\'s Redis (fleet mode)', help: workerHelp, run: (argv, io) => runWorker(argv, io) },
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`);
  return `whisperx-console ${version} — local Whisper transcription and operator console

Usage: whisperx-console <command> [options]

Commands:
${lines.join('\n')}

Common options: --config FILE (or WHISPERX_CONFIG), --data-dir DIR (or WHISPERX_DATA_DIR), --profile NAME
Run "whisperx-console <command> --help" for a command's options.

Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid configuration, 4 doctor found problems, 130 cancelled.
`;
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? exitCodes.ok : exitCodes.usage;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${version}\n`);
    return exitCodes.ok;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`whisperx-console: unknown command "${name}"\n\n${usage()}`);
    return exitCodes.usage;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`whisperx-console ${name}: ${(e as Error).message}\n\n${cmd.help}\n`);
      return exitCodes.usage;
    }
    if (isConsoleError(e) && e.code === 'config_invalid') {
      io.err(`whisperx-console: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return exitCodes.config;
    }
    io.err(`whisperx-console ${name}: ${describeError(e)}\n`);
    return exitCodes.failure;
  }
}
