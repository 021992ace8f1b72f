import type { LiveEvent } from './events';
import type { RouteName } from './routes';

/** Electron only: the scheme the transcript's audio player streams job audio from (wxc-media://job/<id>). */
export const mediaScheme = 'wxc-media';

/** The only IPC channels; the preload lets nothing else through. */
export const ipcChannels = {
  call: 'wxc:call',
  event: 'wxc:event',
  pickFiles: 'wxc:pick-files',
} as const;

export interface BridgeCall {
  route: RouteName;
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

export interface BridgeResponse {
  status: number;
  body: unknown;
}

/** What the preload exposes as `window.whisperx` (contextBridge). */
export interface ConsoleBridge {
  readonly kind: 'electron';
  call(req: BridgeCall): Promise<BridgeResponse>;
  onEvent(listener: (event: LiveEvent) => void): () => void;
  /** Native file picker; absolute paths of the chosen media files. */
  pickFiles(): Promise<string[]>;
  /** Absolute path of a dropped File (webUtils.getPathForFile). */
  pathForFile(file: unknown): string;
}
