import type { ModuleFactory } from './core/module';

/**
 * The console's modules, in start order (a module may use services of those before it).
 * Each domain adds its factory here with one line.
 */
export const moduleFactories: ModuleFactory[] = [];
