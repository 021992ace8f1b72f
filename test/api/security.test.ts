import { request } from 'node:http';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';

/** A raw request, so Host and other headers can be set to anything. */
function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }) {
  return new Promise<{ status: number; body: unknown; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => {
        let body: unknown = data;
        try {
          body = JSON.parse(data);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

type ErrorBody = { error: { code: string; message: string; hint?: string } };

describe('the local API refuses what it should', () => {
  let redis: TestRedis;
  let c: TestConsole;
  let host: string;
  beforeAll(async () => {
    redis = await startTestRedis();
    c = await startTestConsole({ 'redis.url': redis.url, 'model.name': 'test-tiny-en', 'server.body_limit_bytes': 1024 });
    host = `127.0.0.1:${c.server.port}`;
  });
  afterAll(async () => {
    await c?.cleanup();
    await redis?.cleanup();
  });

  const post = (headers: Record<string, string>, body?: string) =>
    raw(c.server.port, { method: 'POST', path: '/api/v1/auth/check', headers: { host, ...headers }, ...(body === undefined ? {} : { body }) });

  it('a mutating route without a token is 401 with how to get one', async () => {
    const r = await post({});
    expect(r.status).toBe(401);
    expect((r.body as ErrorBody).error.hint).toContain('whisperx-console token');
  });

  it('a wrong token is 401', async () => {
    expect((await post({ authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect((await post({ authorization: `Basic ${c.server.token}` })).status).toBe(401);
  });

  it('the right token passes', async () => {
    const r = await post({ authorization: `Bearer ${c.server.token}` });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true });
  });

  it('the token file is created with mode 0600', () => {
    expect(statSync(c.server.tokenFile).mode & 0o777).toBe(0o600);
  });

  it('a request for another Host name is refused (DNS rebinding)', async () => {
    const r = await raw(c.server.port, { path: '/health', headers: { host: `evil.example:${c.server.port}` } });
    expect(r.status).toBe(421);
    expect((r.body as ErrorBody).error.code).toBe('bad_host');
    expect((r.body as ErrorBody).error.message).toContain('evil.example');
  });

  it('localhost and 127.0.0.1 on the bound port are both accepted (the manual uses localhost)', async () => {
    expect((await raw(c.server.port, { path: '/health', headers: { host: `localhost:${c.server.port}` } })).status).toBe(200);
    expect((await raw(c.server.port, { path: '/health', headers: { host } })).status).toBe(200);
  });

  it('a foreign Origin is refused even with the right token', async () => {
    const r = await post({ authorization: `Bearer ${c.server.token}`, origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect((r.body as ErrorBody).error.code).toBe('foreign_origin');
    expect((await post({ authorization: `Bearer ${c.server.token}`, origin: `http://${host}` })).status).toBe(200);
  });

  it('a non-JSON body on a JSON route is 415, saying what to send', async () => {
    const r = await post({ authorization: `Bearer ${c.server.token}`, 'content-type': 'text/plain' }, 'hello');
    expect(r.status).toBe(415);
    expect((r.body as ErrorBody).error.hint).toContain('application/json');
  });

  it('an oversize body is 413', async () => {
    const r = await post({ authorization: `Bearer ${c.server.token}`, 'content-type': 'application/json' }, JSON.stringify({ pad: 'x'.repeat(4096) }));
    expect(r.status).toBe(413);
    expect((r.body as ErrorBody).error.message).toMatch(/larger/);
  });

  it('malformed JSON is 400 with a readable message', async () => {
    const r = await post({ authorization: `Bearer ${c.server.token}`, 'content-type': 'application/json' }, '{"alert_id": ');
    expect(r.status).toBe(400);
    expect((r.body as ErrorBody).error.message).toBe('The body is not valid JSON.');
  });

  it('an unknown route is a JSON 404', async () => {
    const r = await raw(c.server.port, { path: '/api/v1/nope', headers: { host } });
    expect(r.status).toBe(404);
    expect((r.body as ErrorBody).error.message).toContain('/api/v1/nope');
  });

  it('the UI is served with a Content-Security-Policy', async () => {
    const r = await raw(c.server.port, { path: '/', headers: { host } });
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
  });

  it('the live feed streams events as SSE, starting with a health report', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${c.server.url}/api/v1/events`, { signal: ctl.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"type":"health"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ctl.abort();
    expect(text).toContain('event: health');
  });
});
