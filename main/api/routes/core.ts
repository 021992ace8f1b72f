import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ModelInfo } from '../../contract/model';
import { routes } from '../../contract/routes';
import type { ConfigStore } from '../../core/config/store';
import { setConfigValue } from '../../core/config/edit';
import { ConsoleError } from '../../core/errors';
import type { EventBus } from '../../core/events';
import { inspectModelFolder, listModels, modelDir } from '../../inference/catalog';
import { describeSpeakerModels, speakerModelsFromConfig } from '../../inference/speakers';
import type { EngineStatusSource, HealthService } from '../../monitoring/health';
import { registerRoute, WithStatus } from '../register';

export interface CoreRouteDeps {
  health: HealthService;
  config: ConfigStore;
  engine: EngineStatusSource;
  bus: EventBus;
}

export function buildModelInfo(config: ConfigStore, engine: EngineStatusSource): ModelInfo {
  const cfg = config.current;
  const dir = modelDir(cfg.paths.models, cfg.model.name);
  const info = inspectModelFolder(dir, cfg.model.name);
  const p = cfg.profile;
  return {
    model: {
      name: info.name,
      path: info.dir,
      found: info.found,
      description: info.description,
      demo: info.demo,
      multilingual: info.multilingual,
      num_mel_bins: info.numMelBins,
      vocab_size: info.vocabSize,
      chunk_length_s: info.chunkLengthS,
      variants: [...new Set(info.variants.map((v) => v.computeType))],
      files: info.files,
      problem: info.problem,
    },
    active_profile: cfg.active_profile,
    profiles: Object.keys(cfg.profiles),
    device: p.device,
    compute_type: p.compute_type,
    batch_size: p.batch_size,
    threads: p.faster_whisper_threads,
    use_faster_whisper: p.use_faster_whisper,
    beam_size: p.beam_size,
    engine: engine.status(),
    available_models: listModels(cfg.paths.models).map((m) => ({ name: m.name, path: m.dir, demo: m.demo })),
    speaker_models: describeSpeakerModels(speakerModelsFromConfig(cfg)),
  };
}

export function registerCoreRoutes(app: FastifyInstance, guard: (req: FastifyRequest) => void, deps: CoreRouteDeps): void {
  registerRoute(
    app,
    routes.health,
    async () => {
      const report = await deps.health.report();
      return report.status === 'unhealthy' ? new WithStatus(503, report) : report;
    },
    guard,
  );
  registerRoute(app, routes.modelInfo, async () => buildModelInfo(deps.config, deps.engine), guard);
  registerRoute(app, routes.authCheck, async () => ({ ok: true as const }), guard);
  registerRoute(
    app,
    routes.setActiveProfile,
    async ({ body }) => {
      const cur = deps.config.current;
      if (!(body.profile in cur.profiles)) {
        throw new ConsoleError('unknown_profile', `Profile "${body.profile}" is not in ${cur.source.file}`, {
          status: 404,
          hint: `Use one of: ${Object.keys(cur.profiles).join(', ')}.`,
        });
      }
      const previous = cur.active_profile;
      const next = setConfigValue(cur, 'active_profile', body.profile);
      const changed = deps.config.replace(next);
      if (changed.length) deps.bus.emit('config.changed', { file: next.source.file, active_profile: next.active_profile, changed_sections: changed });
      return {
        active_profile: next.active_profile,
        previous,
        file: next.source.file,
        message: previous === body.profile ? `Profile ${body.profile} was already active.` : `Profile switched from ${previous} to ${body.profile}; the engine uses it from the next job.`,
      };
    },
    guard,
  );
}
