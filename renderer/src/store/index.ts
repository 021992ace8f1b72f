import { create } from 'zustand';
import type { LiveEvent } from '../../../main/contract';
import { createConnectionSlice, type ConnectionSlice } from './connection';
import { createHealthSlice, type HealthSlice } from './health';

export type ConsoleState = ConnectionSlice & HealthSlice;

/** One store built from slices; transports push into it through applyEvent. */
export const useConsole = create<ConsoleState>()((...a) => ({
  ...createConnectionSlice(...a),
  ...createHealthSlice(...a),
}));

/** Routes a live event to the slice it belongs to. */
export function applyEvent(e: LiveEvent): void {
  const s = useConsole.getState();
  s.markSeen();
  switch (e.type) {
    case 'health':
      s.setHealth(e.data);
      break;
    default:
      break;
  }
}
