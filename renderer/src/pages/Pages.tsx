import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AlertHistory } from '../components/AlertsPanel';
import { AuditLog } from '../components/Emergency';
import { Checklists, MaintenanceHistory } from '../components/Maintenance';
import { Panel, ResourceState } from '../components/Panel';
import { useConsole } from '../store';
import * as actions from '../store/actions';
import { AlertsCard, ComponentsCard, DropCard, EmergencyCard, GpuCard, JobsCard, KpiCard, ModelCard, SystemCard, WorkersCard } from './cards';
import { useLang, useNow, useRes } from './hooks';

export function DashboardPage() {
  return (
    <div className="dashboard" data-testid="page-dashboard">
      <div className="col col-main">
        <GpuCard />
        <DropCard />
        <JobsCard limit={8} />
      </div>
      <div className="col col-side">
        <SystemCard />
        <KpiCard />
        <AlertsCard compact />
        <EmergencyCard compact />
        <ComponentsCard />
      </div>
    </div>
  );
}

export function JobsPage() {
  return (
    <div className="page" data-testid="page-jobs">
      <DropCard />
      <JobsCard />
      <WorkersCard />
    </div>
  );
}

export function AlertsPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const [tab, setTab] = useState<'current' | 'history'>('current');
  const history = useRes('alertHistory');
  useEffect(() => {
    void actions.refresh('alertHistory');
  }, [tab]);
  return (
    <div className="page" data-testid="page-alerts">
      <div className="tabs" role="tablist">
        {(['current', 'history'] as const).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'active' : ''} onClick={() => setTab(k)} data-testid={`tab-${k}`}>
            {t(`alerts.${k}`)}
          </button>
        ))}
      </div>
      {tab === 'current' ? (
        <AlertsCard />
      ) : (
        <Panel title={t('alerts.history')} testId="panel-alert-history">
          <ResourceState res={history} what="GET /api/v1/monitoring/alerts/history" onRetry={() => void actions.refresh('alertHistory')}>
            {(list) => <AlertHistory alerts={list} lang={lang} />}
          </ResourceState>
        </Panel>
      )}
    </div>
  );
}

export function MaintenancePage() {
  const { t } = useTranslation();
  const lang = useLang();
  const now = useNow(30_000);
  const lists = useRes('checklists');
  const history = useRes('maintenanceHistory');
  const canAct = useConsole((s) => s.canAct);
  useEffect(() => {
    void actions.refresh('checklists', 'maintenanceHistory');
  }, []);
  return (
    <div className="page" data-testid="page-maintenance">
      <ResourceState res={lists} what="GET /api/v1/maintenance/checklists" onRetry={() => void actions.refresh('checklists')}>
        {(data) => <Checklists lists={data} lang={lang} now={now} canAct={canAct} onRunChecklist={actions.runChecklist} onRunItem={actions.runItem} onConfirmItem={actions.completeItem} />}
      </ResourceState>
      <Panel title={t('maintenance.history')} testId="panel-maintenance-history">
        <ResourceState res={history} what="GET /api/v1/maintenance/history">
          {(runs) => <MaintenanceHistory runs={runs} titles={new Map((lists.data ?? []).flatMap((l) => l.items.map((i) => [i.id, i.title] as const)))} lang={lang} />}
        </ResourceState>
      </Panel>
    </div>
  );
}

export function EmergencyPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const audit = useRes('audit');
  const highlight = /[?&]action=([a-z_]+)/.exec(window.location.hash)?.[1] ?? null;
  useEffect(() => {
    void actions.refresh('emergencyActions', 'audit', 'gpuLock');
  }, []);
  return (
    <div className="page" data-testid="page-emergency">
      <EmergencyCard highlight={highlight} />
      <GpuCard />
      <Panel title={t('emergency.audit')} testId="panel-audit">
        <ResourceState res={audit} what="GET /api/v1/audit">
          {(entries) => <AuditLog entries={entries} lang={lang} />}
        </ResourceState>
      </Panel>
    </div>
  );
}

export function ModelsPage() {
  return (
    <div className="page" data-testid="page-models">
      <ModelCard full />
    </div>
  );
}
