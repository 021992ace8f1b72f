import type { BrowserWindowConstructorOptions, WebContents } from 'electron';

/** The only web preferences the console's window is created with. */
export function secureWebPreferences(preload: string): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    spellcheck: false,
  };
}

/** No navigation away from the app and no new windows; links open nowhere. */
export function lockDownContents(contents: WebContents, appUrl: (url: string) => boolean): void {
  contents.on('will-navigate', (event, url) => {
    if (!appUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!appUrl(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
