export { createMaintenanceModule } from './module';
export { MaintenanceService, type MaintenanceServiceOptions } from './service';
export { AuditLog } from './audit';
export type { ResultsIndex, EnginePort, AlertsPort, GpuLocksPort, GpuTelemetryPort, DiarizationPort, JobStatsPort, OpenAlert } from './ports';
