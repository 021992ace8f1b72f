/**
 * Where the alignment and diarization models are, and how diarization is tuned: config.yml's
 * `alignment` and `diarization` sections with their paths resolved, in the shape the
 * engine sends to its worker.
 */
import { existsSync } from 'node:fs';
import type { ConsoleConfig } from '../core/config/loader';
import { modelDir } from './catalog';
import type { DiarizeRequest } from './engine/protocol';
import { inspectAlignFolder } from './align';

export interface SpeakerModels {
  /** Language → absolute alignment model folder. */
  alignModels: Record<string, string>;
  /** Diarization models and settings (speaker counts come per request). */
  diarization: Omit<DiarizeRequest, 'numSpeakers' | 'minSpeakers' | 'maxSpeakers'> & { minSpeakers?: number; maxSpeakers?: number };
}

export function speakerModelsFromConfig(cfg: Pick<ConsoleConfig, 'alignment' | 'diarization' | 'paths'>): SpeakerModels {
  const d = cfg.diarization;
  const alignModels: Record<string, string> = {};
  for (const [lang, name] of Object.entries(cfg.alignment.models)) alignModels[lang] = modelDir(cfg.paths.models, name);
  return {
    alignModels,
    diarization: {
      segmentation: modelDir(cfg.paths.models, d.segmentation),
      embedding: modelDir(cfg.paths.models, d.embedding),
      threshold: d.clustering_threshold,
      stepRatio: d.step_ratio,
      embedPerRun: d.embedding_per_run,
      minDurationOn: d.min_duration_on_s,
      minDurationOff: d.min_duration_off_s,
      fillNearest: d.fill_nearest,
      splitBySpeaker: d.split_segments_by_speaker,
      ...(d.min_speakers !== null ? { minSpeakers: d.min_speakers } : {}),
      ...(d.max_speakers !== null ? { maxSpeakers: d.max_speakers } : {}),
    },
  };
}

export interface SpeakerModelsInfo {
  alignment: Array<{ language: string; path: string; found: boolean; problem: string | null; vocab_size: number | null }>;
  diarization: { segmentation: { path: string; found: boolean }; embedding: { path: string; found: boolean } };
}

/** What model info shows: each configured model and whether its files are there. */
export function describeSpeakerModels(m: SpeakerModels): SpeakerModelsInfo {
  return {
    alignment: Object.entries(m.alignModels).map(([language, path]) => {
      const info = inspectAlignFolder(path);
      return { language, path, found: info.problem === null, problem: info.problem, vocab_size: info.vocabSize };
    }),
    diarization: {
      segmentation: { path: m.diarization.segmentation, found: existsSync(m.diarization.segmentation) },
      embedding: { path: m.diarization.embedding, found: existsSync(m.diarization.embedding) },
    },
  };
}
