/**
 * Which alignment model folder serves which language (whisperx's DEFAULT_ALIGN_MODELS_*):
 * bundled defaults, replaced per language by overrides (from config, later).
 */
import { ConsoleError } from '../../core/errors';

/** Language → folder name under the models directory (or an absolute path). */
export const defaultAlignModels: Readonly<Record<string, string>> = Object.freeze({ en: 'align-demo-en' });

/** The alignment model folder for a language; a language without one is a ConsoleError that says how to add it. */
export function alignModelFor(language: string, overrides: Readonly<Record<string, string>> = {}): string {
  const lang = language.trim().toLowerCase();
  const name = Object.hasOwn(overrides, lang) ? overrides[lang] : Object.hasOwn(defaultAlignModels, lang) ? defaultAlignModels[lang] : undefined;
  if (!name) {
    const known = [...new Set([...Object.keys(defaultAlignModels), ...Object.keys(overrides)])].sort();
    throw new ConsoleError('align_model_unknown_language', `No alignment model for language "${language}" (models exist for: ${known.join(', ') || 'none'})`, {
      hint: `Add a wav2vec2 CTC model fine-tuned on this language (ONNX folder) under the models directory and map "${lang}" to it in the alignment models setting, or turn alignment off for this language`,
      status: 400,
      details: { language, known },
    });
  }
  return name;
}
