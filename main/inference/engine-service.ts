import type { EngineStatus } from '../contract/model';
import type { ConfigStore } from '../core/config/store';
import type { Profile } from '../core/config/sections/profiles';
import { ConsoleError } from '../core/errors';
import type { Logger } from '../core/logger';
import { modelDir } from './catalog';
import { describeSpeakerModels, speakerModelsFromConfig, type SpeakerModelsInfo } from './speakers';
import { WhisperEngine, type TranscribeHooks, type TranscribeRequest, type TranscribeResult } from './engine/engine';
import type { AudioBuffer16k } from './types';

/**
 * The console's one inference engine: the worker thread with the sessions of one model
 * under one profile. Jobs, the benchmark check and the emergency actions all go through
 * it, so "restart the engine" restarts what jobs use. Asking for another model or profile
 * unloads the current one (one device holds one model at a time).
 */
export class EngineService {
  private current: { key: string; model: string; profile: string; engine: WhisperEngine } | null = null;

  constructor(
    private readonly config: ConfigStore,
    private readonly logger: Logger,
  ) {
    // A profile or model change in config.yml takes effect at the next job, not mid-run.
    config.on('change', () => {
      const c = this.current;
      const cfg = config.current;
      if (c && (c.model !== cfg.model.name || c.profile !== cfg.active_profile)) this.logger.info({ from: c.key }, 'engine will switch at the next job (config changed)');
    });
  }

  private profileFor(name: string): Profile {
    const p = this.config.current.profiles[name];
    if (!p) {
      throw new ConsoleError('profile_unknown', `Profile "${name}" is not in config.yml`, {
        hint: `Use one of: ${Object.keys(this.config.current.profiles).join(', ')}.`,
        status: 400,
      });
    }
    return p;
  }

  /** The engine for a model and profile (default: config.yml's), replacing the loaded one if different. */
  async engineFor(modelName?: string, profileName?: string): Promise<WhisperEngine> {
    const cfg = this.config.current;
    const model = modelName ?? cfg.model.name;
    const profile = profileName ?? cfg.active_profile;
    const key = `${model}\u0000${profile}`;
    if (this.current?.key === key) return this.current.engine;
    const p = this.profileFor(profile);
    if (this.current) {
      this.logger.info({ from: this.current.key, to: key }, 'switching engine');
      await this.current.engine.unload();
    }
    const engine = new WhisperEngine({
      modelDir: modelDir(cfg.paths.models, model),
      modelName: model,
      profile: p,
      logger: this.logger,
      ffmpeg: { ffmpeg: cfg.audio.ffmpeg, ffprobe: cfg.audio.ffprobe },
      speakers: speakerModelsFromConfig(cfg),
      nice: cfg.model.inference_nice,
    });
    this.current = { key, model, profile, engine };
    return engine;
  }

  status(): EngineStatus {
    const cfg = this.config.current;
    if (this.current?.model === cfg.model.name) return this.current.engine.status();
    // Nothing built yet, or config.yml now names another model (the next job switches to
    // it): report what the configured model would give (files on disk).
    return new WhisperEngine({ modelDir: modelDir(cfg.paths.models, cfg.model.name), modelName: cfg.model.name, profile: cfg.profile }).status();
  }

  async load(): Promise<void> {
    await (await this.engineFor()).load();
  }

  async transcribe(input: string | AudioBuffer16k, req: TranscribeRequest = {}, hooks: TranscribeHooks = {}): Promise<TranscribeResult> {
    return (await this.engineFor()).transcribe(input, req, hooks);
  }

  /** Releases the sessions and ends the worker thread; the next job loads again. */
  async unload(): Promise<void> {
    await this.current?.engine.unload();
  }

  /** The emergency "restart the inference engine": terminate the worker, load the model again. */
  async restart(): Promise<EngineStatus> {
    await this.unload();
    await this.load();
    return this.status();
  }

  /**
   * The emergency "restart diarization": release the alignment and diarization sessions
   * (they load again on the next job that asks for them) and check their files.
   */
  async restartDiarization(): Promise<{ released: string[]; models: SpeakerModelsInfo }> {
    const released = (await this.current?.engine.unloadSpeakers()) ?? [];
    return { released, models: this.speakerModels() };
  }

  /** The configured alignment and diarization models and whether their files are there. */
  speakerModels(): SpeakerModelsInfo {
    return describeSpeakerModels(speakerModelsFromConfig(this.config.current));
  }

  async close(): Promise<void> {
    const c = this.current;
    this.current = null;
    await c?.engine.unload();
  }
}
