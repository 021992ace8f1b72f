import { main } from './cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`whisperx-console: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
