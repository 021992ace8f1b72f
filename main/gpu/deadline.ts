import { ConsoleError } from '../core/errors';

/**
 * Rejects when `promise` has not settled within `ms`. The Redis command itself may still
 * run later (ioredis queues commands while reconnecting); callers only use this where a
 * late execution is harmless, because every script checks the owner token first.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConsoleError('redis_timeout', `${what}: Redis did not answer within ${ms} ms`, {
            hint: 'Check that Redis is running and reachable (redis-cli PING).',
            status: 503,
          }),
        ),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
