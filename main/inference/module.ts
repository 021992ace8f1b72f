import type { ModuleFactory } from '../core/module';
import { EngineService } from './engine-service';

declare module '../core/module' {
  interface ConsoleServices {
    engine: EngineService;
    diarization: { restart(): Promise<unknown>; unload(): Promise<void>; status(): unknown };
  }
}

/** The inference wing: the engine (worker thread + ONNX sessions) that jobs and actions share. */
export const createInferenceModule: ModuleFactory = async (ctx) => {
  const engine = new EngineService(ctx.config, ctx.logs.for('engine'));
  ctx.provide('engine', engine);
  ctx.provide('engineStatus', engine);
  // The maintenance wing's "restart diarization" port.
  ctx.provide('diarization', {
    restart: () => engine.restartDiarization(),
    unload: async () => void (await engine.restartDiarization()),
    status: () => engine.speakerModels(),
  });
  return {
    name: 'inference',
    close: () => engine.close(),
  };
};
