import { main } from './cli';

main(process.argv.slice(2)).then(
  (code) => {
    // Exit explicitly: a command is done when main() returns, even if a client library
    // still has a reconnect timer pending (e.g. Redis gone at shutdown).
    process.exitCode = code;
    setImmediate(() => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`whisperx-console: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
