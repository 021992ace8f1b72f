import type { EmergencyActionBody, EmergencyActionResult, EmergencyActionView } from '../../contract/maintenance';
import { emergencyActionIds, type EmergencyActionId } from '../../core/config/sections/maintenance';
import { ConsoleError, describeError } from '../../core/errors';
import type { HttpListenerRestarter } from '../apiListener';
import type { MaintenanceDeps } from '../types';
import { checkDisk, cleanLogsAction, cleanTempAction, clearModelCacheAction, showLogs, validateConfig } from './files';
import { freeMemory, releaseGpuLock, restartApi, restartDiarization, restartEngine, restartRedis } from './services';
import type { ActionOutcome, EmergencyAction } from './types';
import type { IncomingMessage } from 'node:http';

const registry: Record<EmergencyActionId, EmergencyAction> = {
  restart_api: restartApi,
  restart_engine: restartEngine,
  restart_diarization: restartDiarization,
  release_gpu_lock: releaseGpuLock,
  free_memory: freeMemory,
  restart_redis: restartRedis,
  clean_temp: cleanTempAction,
  clean_logs: cleanLogsAction,
  clear_model_cache: clearModelCacheAction,
  check_disk: checkDisk,
  show_logs: showLogs,
  validate_config: validateConfig,
};

/** The manual's §5 procedures as confirmed, audited one-click actions. */
export class EmergencyActions {
  private readonly running = new Set<string>();
  api: HttpListenerRestarter | undefined;

  constructor(private readonly deps: MaintenanceDeps) {}

  list(): EmergencyActionView[] {
    const titles = this.deps.config().maintenance.emergency;
    return emergencyActionIds.map((id) => {
      const a = registry[id];
      const t = titles[id];
      const reason = a.unavailable({ deps: this.deps, api: this.api });
      return {
        id,
        title: t?.title ?? { en: id, zh: id },
        description: t?.description ?? { en: id, zh: id },
        manual_ref: t?.manual_ref ?? null,
        params: a.params,
        available: reason === null,
        unavailable_reason: reason,
      };
    });
  }

  async run(id: string, body: EmergencyActionBody, actor: string, request?: IncomingMessage): Promise<EmergencyActionResult> {
    if (!(emergencyActionIds as readonly string[]).includes(id)) {
      throw new ConsoleError('emergency_action_unknown', `There is no emergency action "${id}"`, { status: 404, hint: `Actions: ${emergencyActionIds.join(', ')}.` });
    }
    const action = registry[id as EmergencyActionId];
    if (body.confirm !== true) {
      const d = this.deps.config().maintenance.emergency[action.id]?.description.en ?? action.id;
      throw new ConsoleError('confirm_required', `Emergency action "${id}" needs confirmation: ${d}`, { status: 400, hint: 'Send {"confirm": true} (plus the action\'s parameters) to run it.' });
    }
    action.validate?.(body);
    if (this.running.has(id)) throw new ConsoleError('emergency_action_running', `"${id}" is already running`, { status: 409, hint: 'Wait for it to finish; its result goes into the audit log.' });
    this.running.add(id);
    const startedAt = new Date(this.deps.now()).toISOString();
    const t0 = performance.now();
    let out: ActionOutcome;
    try {
      out = await action.run({ deps: this.deps, body, actor, request, api: this.api });
    } catch (e) {
      out = { outcome: 'failed', message: `${id} failed: ${describeError(e)}`, details: { error: describeError(e) }, previous: null };
      this.deps.logger.error({ action: id, err: describeError(e) }, 'emergency action failed');
    } finally {
      this.running.delete(id);
    }
    const params = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'confirm' && k !== 'operator'));
    const audit = await this.deps.audit.append({ actor, action: id, target: out.target ?? null, params, outcome: out.outcome, message: out.message, previous: out.previous ?? null, details: out.details });
    this.deps.logger.warn({ action: id, actor, outcome: out.outcome }, `emergency action ${id}: ${out.message}`);
    return {
      action: id,
      outcome: out.outcome,
      message: out.message,
      details: out.details,
      previous: out.previous ?? null,
      started_at: startedAt,
      duration_ms: Math.round(performance.now() - t0),
      audit: { id: audit.entry.id, recorded: audit.recorded, ...(audit.error ? { error: audit.error } : {}) },
    };
  }
}
