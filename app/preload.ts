import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { LiveEvent } from '../main/contract/events';
import { ipcChannels, type BridgeCall, type ConsoleBridge } from '../main/contract/ipc';

// Sandboxed preload: exposes exactly the contract's channels, nothing of ipcRenderer itself.
const bridge = {
  kind: 'electron',
  call: (req: BridgeCall) => ipcRenderer.invoke(ipcChannels.call, req),
  onEvent(listener: (event: LiveEvent) => void) {
    const handler = (_e: IpcRendererEvent, event: LiveEvent) => listener(event);
    ipcRenderer.on(ipcChannels.event, handler);
    return () => {
      ipcRenderer.removeListener(ipcChannels.event, handler);
    };
  },
  pickFiles: () => ipcRenderer.invoke(ipcChannels.pickFiles) as Promise<string[]>,
  pathForFile: (file: unknown) => webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]),
} as const satisfies ConsoleBridge;

contextBridge.exposeInMainWorld('whisperx', bridge);
