import type { HealthReport } from './health';

/**
 * Events on the live feed (SSE in a browser, IPC in Electron). Each domain adds its own
 * events with `declare module './events' { interface LiveEventMap { ... } }`.
 */
export interface LiveEventMap {
  health: HealthReport;
  'config.changed': { file: string; active_profile: string; changed_sections: string[] };
  'config.error': { file: string; message: string };
}

export type LiveEventType = keyof LiveEventMap;
export type LiveEvent = { [K in LiveEventType]: { type: K; ts: string; data: LiveEventMap[K] } }[LiveEventType];
