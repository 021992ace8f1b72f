import type { JobOptions } from '../contract/jobs';
import { ConsoleError } from '../core/errors';
import type { Profile } from '../core/config/sections/profiles';
import type { TranscribeRequest, WhisperEngine } from '../inference/engine/engine';
import type { PipelineProgress, Transcript } from '../inference/types';

export interface TranscribeHooks {
  /** Aborted on cancel, on a lost GPU lock and on shutdown: the run must stop promptly. */
  signal: AbortSignal;
  onProgress(p: PipelineProgress): void;
}

export interface TranscriptionOutcome {
  transcript: Transcript;
  /** Speech chunks decoded and batch slots run, when the engine reports them. */
  batch?: { filled: number; slots: number };
}

/** What a worker needs from the inference engine. */
export interface Transcriber {
  transcribe(file: string, options: JobOptions, hooks: TranscribeHooks): Promise<TranscriptionOutcome>;
  close(): Promise<void>;
}

/** Where engines come from: the console's shared EngineService (main/inference). */
export interface EngineSource {
  engineFor(modelName?: string, profileName?: string): Promise<WhisperEngine>;
  close(): Promise<void>;
}

export interface EngineTranscriberOptions {
  engines: EngineSource;
  /** config.yml model.name / language / task: the defaults of a job. */
  model: { name: string; language: string | null; task: 'transcribe' | 'translate' };
  profiles: Record<string, Profile>;
  activeProfile: string;
  /** Close the engine source with the transcriber (a headless worker owns its engine; the console's is shared). */
  ownsEngines?: boolean;
}

/**
 * The inference engine behind the Transcriber interface. The engine comes from the shared
 * EngineService, so the console's worker, the benchmark check and "restart the engine" all
 * act on one worker thread; a job asking for another model or profile switches it.
 */
export class EngineTranscriber implements Transcriber {
  constructor(private readonly opts: EngineTranscriberOptions) {}

  async transcribe(file: string, options: JobOptions, hooks: TranscribeHooks): Promise<TranscriptionOutcome> {
    const profileName = options.profile ?? this.opts.activeProfile;
    const profile = this.opts.profiles[profileName];
    if (!profile) {
      throw new ConsoleError('profile_unknown', `Profile "${profileName}" is not in config.yml`, {
        hint: `Use one of: ${Object.keys(this.opts.profiles).join(', ')}.`,
        status: 400,
      });
    }
    const engine = await this.opts.engines.engineFor(options.model ?? this.opts.model.name, profileName);
    const req: TranscribeRequest = {
      language: options.language === undefined ? this.opts.model.language : options.language,
      task: options.task ?? this.opts.model.task,
      vad: options.vad ?? true,
      ...(options.align ? { align: true } : {}),
      ...(options.diarize ? { diarize: true } : {}),
      ...(options.min_speakers !== undefined ? { minSpeakers: options.min_speakers } : {}),
      ...(options.max_speakers !== undefined ? { maxSpeakers: options.max_speakers } : {}),
      ...(options.temperature_fallback === false ? { decoding: { temperatures: [0] } } : {}),
    };
    const r = await engine.transcribe(file, req, { signal: hooks.signal, onProgress: (p) => hooks.onProgress(p) });
    const batchSize = req.batchSize ?? profile.batch_size;
    const slots = Math.ceil(r.chunks / batchSize) * batchSize;
    return { transcript: r.transcript, ...(r.chunks > 0 ? { batch: { filled: r.chunks, slots } } : {}) };
  }

  async close(): Promise<void> {
    if (this.opts.ownsEngines) await this.opts.engines.close();
  }
}
