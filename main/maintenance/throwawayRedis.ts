import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a redis-server on restored files (a free loopback port, nothing saved back),
 * hands a connection to `use`, then shuts it down.
 */
export async function withThrowawayRedis<T>(opts: { binary: string; dir: string; appendonly: boolean; timeoutMs: number }, use: (r: Redis) => Promise<T>): Promise<T> {
  const port = await freeLoopbackPort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', opts.dir, '--dbfilename', 'dump.rdb', '--appendonly', opts.appendonly ? 'yes' : 'no', '--save', '', '--daemonize', 'no', '--logfile', ''];
  const child = spawn(opts.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`restored redis-server did not start within ${opts.timeoutMs} ms: ${out.slice(-300)}`)), opts.timeoutMs);
      const onData = (b: Buffer) => {
        out += b.toString();
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`restored redis-server exited (code ${code}) while loading: ${out.trim().split('\n').slice(-3).join(' | ')}`));
      });
    });
    const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      return await use(r);
    } finally {
      r.disconnect();
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
