import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, net, Notification, protocol, session } from 'electron';
import { ipcChannels, mediaScheme } from '../main/contract';
import { loadConfig, locateConfig } from '../main/core/config/loader';
import { describeError } from '../main/core/errors';
import { startServer, type ConsoleServer } from '../main/server';
import { handleBridgeCall } from './ipc';
import { lockDownContents, secureWebPreferences } from './security';

// The Electron shell stays thin: it hosts main/ in-process and shows the renderer.
const here = fileURLToPath(new URL('.', import.meta.url));
const rendererIndex = join(here, '..', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const isAppUrl = (url: string) => url === rendererUrl || url.startsWith(`${rendererUrl}#`) || url.startsWith(`${rendererUrl}?`);

let server: ConsoleServer | undefined;

const mediaExtensions = ['wav', 'mp3', 'flac', 'ogg', 'opus', 'm4a', 'aac', 'mp4', 'mkv', 'webm', 'mov'];

async function createWindow(): Promise<BrowserWindow> {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    title: 'WhisperX Console',
    show: false,
    webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
  });
  lockDownContents(win.webContents, isAppUrl);
  win.once('ready-to-show', () => win.show());
  await win.loadFile(rendererIndex);
  return win;
}

async function boot(): Promise<void> {
  // Only notifications may be asked for; camera, mic, geolocation and the rest are refused.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === 'notifications'));
  app.on('web-contents-created', (_e, contents) => lockDownContents(contents, isAppUrl));

  const config = loadConfig(locateConfig({ flag: process.env.WHISPERX_CONFIG }));
  server = await startServer({ config });

  // The transcript's audio player: wxc-media://job/<id> streams the job's own audio file
  // (the IPC bridge carries JSON, not media); only jobs the API knows are served.
  protocol.handle(mediaScheme, async (req) => {
    const id = decodeURIComponent(new URL(req.url).pathname.replace(/^\//, ''));
    const res = await server!.app.inject({ method: 'GET', url: `/api/v1/transcriptions/${encodeURIComponent(id)}`, headers: { host: `127.0.0.1:${server!.port}` } });
    if (res.statusCode !== 200) return new Response(res.body, { status: res.statusCode });
    const job = res.json() as { input: { path: string } };
    return net.fetch(pathToFileURL(job.input.path).href, { headers: req.headers });
  });

  ipcMain.handle(ipcChannels.call, (event, req) => handleBridgeCall(server!, isAppUrl, event, req));
  ipcMain.handle(ipcChannels.pickFiles, async (event) => {
    if (!isAppUrl(event.senderFrame?.url ?? '')) return [];
    const win = BrowserWindow.fromWebContents(event.sender);
    const r = await dialog.showOpenDialog(win!, {
      properties: ['openFile', 'multiSelections'],
      filters: [{ name: 'Audio and video', extensions: mediaExtensions }],
    });
    return r.canceled ? [] : r.filePaths;
  });

  const win = await createWindow();
  const zh = app.getLocale().toLowerCase().startsWith('zh');
  server.bus.subscribe((e) => {
    if (!win.isDestroyed()) win.webContents.send(ipcChannels.event, e);
    // High-priority alerts become desktop notifications; clicking one brings the console up.
    if (e.type === 'alert.notification' && Notification.isSupported()) {
      const n = new Notification({ title: zh ? e.data.title.zh : e.data.title.en, body: zh ? e.data.body.zh : e.data.body.en, urgency: 'critical' });
      n.on('click', () => {
        if (win.isMinimized()) win.restore();
        win.focus();
      });
      n.show();
    }
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    ]),
  );
}

app.enableSandbox();
protocol.registerSchemesAsPrivileged([{ scheme: mediaScheme, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } }]);
void app.whenReady().then(boot).catch((e: unknown) => {
  dialog.showErrorBox('WhisperX Console could not start', describeError(e));
  app.exit(1);
});
app.on('window-all-closed', () => app.quit());
app.on('before-quit', (event) => {
  if (!server) return;
  event.preventDefault();
  const s = server;
  server = undefined;
  void s.close().finally(() => app.quit());
});
