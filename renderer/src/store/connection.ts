import type { StateCreator } from 'zustand';
import type { FeedStatus } from '../transport';

export interface ConnectionSlice {
  feed: FeedStatus;
  /** Last time the server answered anything (ms since epoch). */
  lastSeen: number | null;
  /** Mutating calls can be made (a token is known, or the Electron bridge adds it). */
  canAct: boolean;
  setCanAct(v: boolean): void;
  setFeed(s: FeedStatus): void;
  markSeen(): void;
}

export const createConnectionSlice: StateCreator<ConnectionSlice, [], [], ConnectionSlice> = (set) => ({
  feed: 'connecting',
  lastSeen: null,
  canAct: false,
  setCanAct: (canAct) => set({ canAct }),
  setFeed: (feed) => set({ feed }),
  markSeen: () => set({ lastSeen: Date.now() }),
});
