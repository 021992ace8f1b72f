import { parseArgs } from 'node:util';
import { startServer } from '../server';
import { commonOptions, configFromFlags, exitCodes, UsageError, type CliIO } from './common';

export const serveHelp = `whisperx-console serve [--port N] [--config FILE] [--data-dir DIR] [--profile NAME]

Starts the console: the HTTP API and UI on 127.0.0.1:8788 (server.port in config.yml),
a managed redis-server unless redis.url is set, and every service. Ctrl-C stops it.`;

export async function runServe(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...commonOptions, port: { type: 'string' } }, strict: true });
  if (values.help) {
    io.out(`${serveHelp}\n`);
    return exitCodes.ok;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be a port number, got "${values.port}"`);
  const config = configFromFlags(values, io);
  const server = await startServer({ config, ...(port === undefined ? {} : { port }), logToStderr: false });
  io.out(`WhisperX Operator Console ${server.url}/\n`);
  io.out(`  open:   ${server.url}/#token=${server.token}\n`);
  io.out(`  health: curl ${server.url}/health\n`);
  io.out(`  config: ${config.source.file} (profile ${config.active_profile})\n`);
  io.out(`  data:   ${config.paths.data_dir}\n`);
  io.out(`  redis:  ${server.redis.url} (${server.redis.mode})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.err('stopping…\n');
  await server.close();
  return exitCodes.ok;
}
