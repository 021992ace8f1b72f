import type { StateCreator } from 'zustand';
import type { HealthReport } from '../../../main/contract';

export interface HealthSlice {
  health: HealthReport | null;
  healthError: string | null;
  setHealth(h: HealthReport): void;
  setHealthError(e: string | null): void;
}

export const createHealthSlice: StateCreator<HealthSlice, [], [], HealthSlice> = (set) => ({
  health: null,
  healthError: null,
  setHealth: (health) => set({ health, healthError: null }),
  setHealthError: (healthError) => set({ healthError }),
});
