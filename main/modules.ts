import { createAlertsModule } from './alerts/module';
import type { ModuleFactory } from './core/module';
import { createGpuModule } from './gpu/module';
import { createInferenceModule } from './inference/module';
import { createJobsModule } from './jobs/module';
import { createMaintenanceModule } from './maintenance/module';
import { createMonitoringModule } from './monitoring/module';

/**
 * The console's modules, in start order (a module may use services of those before it).
 * Each domain adds its factory here with one line.
 */
export const moduleFactories: ModuleFactory[] = [
  createGpuModule, // GPU locks + telemetry (provides gpuLocks, gpuTelemetry)
  createInferenceModule, // the shared inference engine (provides engine, engineStatus)
  createJobsModule, // queue, workers, results (provides jobStats, resultsIndex)
  createMonitoringModule, createAlertsModule, // alerts reads monitoring's series
  createMaintenanceModule, // last: checks and actions use every other wing's services
];
