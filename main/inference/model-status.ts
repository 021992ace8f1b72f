import type { EngineStatus } from '../contract/model';
import { inspectModelFolder, MODEL_HINT, modelDir } from './catalog';

/**
 * Engine status before an inference engine is attached: what the configured model folder
 * holds. The engine replaces this source once it owns sessions.
 */
export class ModelFolderStatus {
  constructor(private readonly where: () => { modelsDir: string; name: string }) {}
  status(): EngineStatus {
    const { modelsDir, name } = this.where();
    const info = inspectModelFolder(modelDir(modelsDir, name), name);
    const base = { execution_provider: null, execution_provider_reason: null, variant_file: null, load_time_ms: null, graph_rewrite: null, encoder_rewrite: null };
    if (info.problem) {
      return { ...base, state: 'unavailable', message: `Model ${name}: ${info.problem}`, error: MODEL_HINT };
    }
    return { ...base, state: 'not_loaded', message: `Model ${name} found (${info.variants.map((v) => v.computeType).join(', ')}); loaded on first use`, error: null };
  }
}
