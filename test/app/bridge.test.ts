import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleBridgeCall } from '../../app/ipc';
import { lockDownContents, secureWebPreferences } from '../../app/security';
import { startTestConsole, type TestConsole } from '../helpers/console';
import { startTestRedis, type TestRedis } from '../helpers/redis';

const appUrl = 'file:///opt/whisperx/dist/renderer/index.html';
const isApp = (u: string) => u === appUrl;
const eventFrom = (url: string) => ({ senderFrame: { url } }) as unknown as IpcMainInvokeEvent;

describe('Electron shell', () => {
  it('creates windows with context isolation, the sandbox and no Node integration', () => {
    const p = secureWebPreferences('/x/preload.cjs');
    expect(p).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webSecurity: true, preload: '/x/preload.cjs' });
  });

  it('denies window.open and navigation away from the app', () => {
    const handlers: Record<string, (e: { preventDefault(): void }, url: string) => void> = {};
    let openHandler: (() => { action: string }) | undefined;
    const contents = {
      on: (name: string, fn: (e: { preventDefault(): void }, url: string) => void) => (handlers[name] = fn),
      setWindowOpenHandler: (fn: () => { action: string }) => (openHandler = fn),
    };
    lockDownContents(contents as never, isApp);
    let prevented = 0;
    const ev = { preventDefault: () => prevented++ };
    handlers['will-navigate']!(ev, 'https://evil.example/');
    handlers['will-navigate']!(ev, appUrl);
    handlers['will-redirect']!(ev, 'https://evil.example/');
    expect(prevented).toBe(2);
    expect(openHandler!()).toEqual({ action: 'deny' });
  });

  describe('IPC bridge', () => {
    let redis: TestRedis;
    let c: TestConsole;
    beforeAll(async () => {
      redis = await startTestRedis();
      c = await startTestConsole({ 'redis.url': redis.url, 'model.name': 'test-tiny-en' });
    });
    afterAll(async () => {
      await c?.cleanup();
      await redis?.cleanup();
    });

    it('runs a contract route through the same handlers and returns its JSON', async () => {
      const r = await handleBridgeCall(c.server, isApp, eventFrom(appUrl), { route: 'health' });
      expect(r.status).toBe(200);
      expect((r.body as { status: string }).status).toBe('healthy');
    });

    it('adds the token itself, so mutating routes work from the app window', async () => {
      const r = await handleBridgeCall(c.server, isApp, eventFrom(appUrl), { route: 'authCheck' });
      expect(r).toEqual({ status: 200, body: { ok: true } });
    });

    it('refuses calls from any other frame', async () => {
      const r = await handleBridgeCall(c.server, isApp, eventFrom('https://evil.example/'), { route: 'authCheck' });
      expect(r.status).toBe(403);
    });

    it('refuses channels that are not in the contract', async () => {
      const r = await handleBridgeCall(c.server, isApp, eventFrom(appUrl), { route: 'constructor' as never });
      expect(r.status).toBe(404);
    });
  });
});
