import type { ConsoleBridge } from '../../../main/contract';
import { HttpTransport } from './http';
import { IpcTransport } from './ipc';
import type { Transport } from './types';

export * from './types';

declare global {
  interface Window {
    whisperx?: ConsoleBridge;
  }
}

/** IPC when the Electron preload bridge is present, HTTP + SSE otherwise. */
export function createTransport(): Transport {
  return window.whisperx?.kind === 'electron' ? new IpcTransport(window.whisperx) : new HttpTransport();
}
