import type { StateCreator } from 'zustand';
import type { FeedStatus } from '../transport';

export interface ConnectionSlice {
  feed: FeedStatus;
  /** Last time the server answered anything (ms since epoch). */
  lastSeen: number | null;
  setFeed(s: FeedStatus): void;
  markSeen(): void;
}

export const createConnectionSlice: StateCreator<ConnectionSlice, [], [], ConnectionSlice> = (set) => ({
  feed: 'connecting',
  lastSeen: null,
  setFeed: (feed) => set({ feed }),
  markSeen: () => set({ lastSeen: Date.now() }),
});
