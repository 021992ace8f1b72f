import type { LiveEventMap } from '../contract/events';
import type {} from '../contract/gpu';

export type GpuEventType = 'gpu.lock' | 'gpu.lock.health' | 'gpu.telemetry';

/** How GPU services put events on the live feed; the composition root passes the feed's publish. */
export type GpuEventEmitter = <K extends GpuEventType>(type: K, data: LiveEventMap[K]) => void;

export const noGpuEvents: GpuEventEmitter = () => {};
