import type { CheckKind } from '../../core/config/sections/maintenance';
import type { Check } from '../types';
import { capacity, configOptimisation } from './advice';
import { backupStatus, dataIntegrity } from './backup';
import { benchmark } from './benchmark';
import { drDrill } from './drill';
import { cleanLogFiles, errorLogs } from './logs';
import { alertStatus, resources, serviceStatus } from './status';

/** The automated check behind each `check:` kind of config.yml. */
export const checks: Record<CheckKind, Check> = {
  service_status: serviceStatus,
  resources,
  error_logs: errorLogs,
  alerts: alertStatus,
  backup: backupStatus,
  benchmark,
  clean_logs: cleanLogFiles,
  data_integrity: dataIntegrity,
  config_optimisation: configOptimisation,
  capacity,
  dr_drill: drDrill,
};
