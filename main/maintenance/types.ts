import type { Redis } from 'ioredis';
import type { CheckResult } from '../contract/maintenance';
import type { HealthReport } from '../contract/health';
import type { ConsoleConfig } from '../core/config/loader';
import type { Logger } from '../core/logger';
import type { LogReader } from '../logs/reader';
import type { LogRotator } from '../logs/rotation';
import type { IRedisService } from '../redis/service';
import type { AuditLog } from './audit';
import type { RunHistory } from './history';
import type { Ports } from './ports';

/** Everything checks and actions work with, built once by the module (tests build their own). */
export interface MaintenanceDeps {
  config: () => ConsoleConfig;
  redis: IRedisService;
  /** Maintenance's own connection (runs, audit, state). */
  store: Redis;
  health: { report(): Promise<HealthReport> };
  logs: LogReader;
  rotator: LogRotator;
  history: RunHistory;
  audit: AuditLog;
  ports: Ports;
  now: () => number;
  logger: Logger;
}

export interface CheckOutcome {
  result: CheckResult;
  summary: string;
  details: Record<string, unknown>;
}

export interface CheckInput {
  itemId: string;
  /** When this item (or the same check) last finished, for "since the last run" checks. */
  previousRunAt: number | null;
}

export type Check = (deps: MaintenanceDeps, input: CheckInput) => Promise<CheckOutcome>;

const rank: Record<CheckResult, number> = { ok: 0, warn: 1, fail: 2 };

export function worst(results: CheckResult[]): CheckResult {
  return results.reduce<CheckResult>((w, r) => (rank[r] > rank[w] ? r : w), 'ok');
}

/** ok below warn_ratio × limit, warn up to the limit, fail at or over it. */
export function againstMax(value: number, max: number, warnRatio: number): CheckResult {
  if (value >= max) return 'fail';
  return value >= max * warnRatio ? 'warn' : 'ok';
}
