import type { IncomingMessage } from 'node:http';
import type { EmergencyActionBody, EmergencyOutcome } from '../../contract/maintenance';
import type { EmergencyActionId } from '../../core/config/sections/maintenance';
import type { HttpListenerRestarter } from '../apiListener';
import type { MaintenanceDeps } from '../types';

export interface ActionContext {
  deps: MaintenanceDeps;
  body: EmergencyActionBody;
  actor: string;
  /** The HTTP request that asked (restart_api keeps its connection for the answer). */
  request?: IncomingMessage | undefined;
  api?: HttpListenerRestarter | undefined;
}

export interface ActionOutcome {
  outcome: EmergencyOutcome;
  message: string;
  details: Record<string, unknown>;
  previous: unknown;
  /** Audit `target` (a lock key, a path). */
  target?: string;
}

export interface ActionParam {
  name: 'lock_key' | 'lines' | 'reason';
  type: 'string' | 'integer';
  required: boolean;
  description: string;
}

export interface EmergencyAction {
  id: EmergencyActionId;
  params: ActionParam[];
  /** Why it cannot run here (not installed…), or null. */
  unavailable(ctx: Pick<ActionContext, 'deps' | 'api'>): string | null;
  /** Throws a 400 ConsoleError for bad parameters, before anything is touched. */
  validate?(body: EmergencyActionBody): void;
  run(ctx: ActionContext): Promise<ActionOutcome>;
}
