import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { LiveEvent } from '../contract/events';
import { ConsoleError } from '../core/errors';
import type { EventBus } from '../core/events';
import type { Logger } from '../core/logger';
import { tokensEqual } from './token';

export interface HttpServerOptions {
  host: string;
  /** Port the server will listen on (0 = any; the real port is read after listen). */
  port: number;
  bodyLimit: number;
  token: string;
  bus: EventBus;
  logger: Logger;
  /** Built renderer (dist/renderer); served at / when present. */
  uiDir?: string | undefined;
  /** Called with each request's route and duration (monitoring hooks in here). */
  onResponse?: (route: string, method: string, status: number, ms: number) => void;
}

export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const readableFastifyErrors: Record<string, { status: number; message: string; hint: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    message: 'This route takes a JSON body.',
    hint: 'Send the body with the header Content-Type: application/json.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    message: 'The request body is larger than this route accepts.',
    hint: 'Send a smaller body (server.body_limit_bytes in config.yml), or upload files through the upload route.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    message: 'The JSON body is empty.',
    hint: 'Send a JSON object, e.g. {"lock_key": "gpu_lock:0"}, or drop the Content-Type header for routes without a body.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    message: 'The body is not valid JSON.',
    hint: 'Check quoting and commas; the body must be one JSON object.',
  },
};

/** ioredis's ways of saying the server is gone (the request can be retried once Redis is back). */
export function isRedisUnavailable(err: Error): boolean {
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|enableOfflineQueue|Reached the max retries per request/.test(err.message)
  );
}

/**
 * The local API: loopback only, Host and Origin checked (DNS rebinding and cross-site
 * requests), bearer token on mutating routes, JSON error bodies a person can act on.
 */
export function createHttpServer(opts: HttpServerOptions): { app: FastifyInstance; guard: (req: FastifyRequest) => void; setPort: (p: number) => void } {
  let port = opts.port;
  const app = Fastify({ bodyLimit: opts.bodyLimit, logger: false, return503OnClosing: true, forceCloseConnections: true });
  app.removeContentTypeParser('text/plain');

  const allowedHosts = () => new Set([`${opts.host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const allowedOrigins = () => new Set([...allowedHosts()].map((h) => `http://${h}`));

  app.addHook('onRequest', async (req, reply) => {
    const host = req.headers.host ?? '';
    if (!allowedHosts().has(host.toLowerCase())) {
      throw new ConsoleError('bad_host', `Requests must be addressed to ${opts.host}:${port}; this one was for "${host}".`, {
        status: 421,
        hint: `Use http://${opts.host}:${port}/ (or localhost). Other host names are refused to stop DNS-rebinding attacks.`,
      });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && !allowedOrigins().has(origin.toLowerCase())) {
      throw new ConsoleError('foreign_origin', `Requests from ${origin} are not allowed.`, {
        status: 403,
        hint: 'Only the console itself (served from this address) may call the API from a browser.',
      });
    }
    if (origin === 'null' || req.headers['sec-fetch-site'] === 'cross-site') {
      throw new ConsoleError('foreign_origin', 'Cross-site requests are not allowed.', { status: 403, hint: 'Open the console at its own address.' });
    }
    void reply.header('X-Content-Type-Options', 'nosniff');
    void reply.header('Referrer-Policy', 'no-referrer');
  });

  if (opts.onResponse) {
    const onResponse = opts.onResponse;
    app.addHook('onResponse', async (req, reply) => {
      onResponse(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime);
    });
  }

  app.setErrorHandler((err: FastifyError | ConsoleError, _req, reply) => {
    if (err instanceof ConsoleError) {
      opts.logger.info({ code: err.code, status: err.status }, err.message);
      return reply.code(err.status).send({ error: err.toJSON() });
    }
    if (isRedisUnavailable(err)) {
      return reply.code(503).send({
        error: {
          code: 'redis_unavailable',
          message: `Redis is not reachable, so this request could not be served: ${err.message}`,
          hint: 'See /health; the console reconnects by itself. Use the "Restart Redis" emergency action if it stays down.',
        },
      });
    }
    const known = err.code ? readableFastifyErrors[err.code] : undefined;
    if (known) return reply.code(known.status).send({ error: { code: err.code.toLowerCase(), message: known.message, hint: known.hint } });
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) opts.logger.error({ err }, 'request failed');
    return reply.code(status).send({
      error: {
        code: status >= 500 ? 'internal_error' : (err.code ?? 'bad_request').toLowerCase(),
        message: status >= 500 ? `The console failed to handle this request: ${err.message}` : err.message,
        hint: status >= 500 ? 'See the api log (Maintenance → logs) for details; the request can be retried.' : 'Check the request against docs/api.md.',
      },
    });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}.`, hint: 'See docs/api.md for the routes.' } }),
  );

  const guard = (req: FastifyRequest) => {
    const h = req.headers.authorization;
    if (!h) {
      throw new ConsoleError('unauthorized', 'This action needs the console API token.', {
        status: 401,
        hint: 'Send "Authorization: Bearer <token>"; print the token with `whisperx-console token`.',
      });
    }
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (!m || !tokensEqual(m[1]!, opts.token)) {
      throw new ConsoleError('unauthorized', 'The API token is wrong.', {
        status: 401,
        hint: 'Print the current token with `whisperx-console token`.',
      });
    }
  };

  if (opts.uiDir && existsSync(opts.uiDir)) {
    void app.register(fastifyStatic, {
      root: opts.uiDir,
      prefix: '/',
      index: ['index.html'],
      wildcard: true,
      setHeaders: (res) => {
        void res.header('Content-Security-Policy', contentSecurityPolicy);
      },
    });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html')
        .header('Content-Security-Policy', contentSecurityPolicy)
        .send('<!doctype html><title>WhisperX Console</title><p>The console UI is not built. Run <code>npm run build</code>, then reload.</p>'),
    );
  }

  return { app, guard, setPort: (p: number) => (port = p) };
}

/** Streams the event bus as server-sent events. */
export function registerLiveFeed(app: FastifyInstance, path: string, bus: EventBus, initial: () => Promise<LiveEvent[]>): void {
  app.get(path, async (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const send = (e: LiveEvent) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    res.write('retry: 2000\n\n');
    const unsubscribe = bus.subscribe(send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
    for (const e of await initial()) send(e);
  });
}
