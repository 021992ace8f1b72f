import type { LiveEvent, LiveEventMap, LiveEventType } from '../contract/events';

export type LiveListener = (event: LiveEvent) => void;

/** The in-process bus behind the live feed (SSE / IPC): services emit, transports subscribe. */
export class EventBus {
  private readonly listeners = new Set<LiveListener>();

  emit<K extends LiveEventType>(type: K, data: LiveEventMap[K]): void {
    const event = { type, ts: new Date().toISOString(), data } as LiveEvent;
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // one broken subscriber (a closed socket) must not stop the others
      }
    }
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
