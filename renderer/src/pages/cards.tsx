import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { EmergencyActionView, JobOptionsInput, ModelInfo } from '../../../main/contract';
import { AlertList } from '../components/AlertsPanel';
import { DropZone } from '../components/DropZone';
import { EmergencyActions, type ActionOutcome } from '../components/Emergency';
import { GpuPanelBody } from '../components/GpuPanel';
import { JobsTable, WorkersList } from '../components/JobsTable';
import { KpiPanelBody } from '../components/KpiPanel';
import { ModelPanelBody } from '../components/ModelPanel';
import { Panel, ResourceState } from '../components/Panel';
import { SystemPanelBody } from '../components/SystemPanel';
import { chartWindowMs, useConsole } from '../store';
import * as actions from '../store/actions';
import { gpuView, lockViews } from '../views/gpu-view';
import { kpiRows } from '../views/kpi-view';
import { pickText } from '../views/format';
import { hashFor } from '../views/nav';
import { diskRows, latestValues, redisView, snapshotValues, systemPoints } from '../views/system-view';
import { downloadExport } from './download';
import { useLang, useNow, useRes } from './hooks';

function More({ page }: { page: Parameters<typeof hashFor>[0] }) {
  const { t } = useTranslation();
  return (
    <a className="link" href={hashFor(page)}>
      {t('panel.more')}
    </a>
  );
}

export function GpuCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const now = useNow();
  const samples = useRes('gpuSamples');
  const lock = useRes('gpuLock');
  const mode = useMemo(() => gpuView(samples.data ?? []), [samples.data]);
  return (
    <Panel title={t('gpu.title')} testId="panel-gpu">
      <ResourceState res={samples} what="GET /api/v1/monitoring/gpu" onRetry={() => void actions.refresh('gpuSamples')}>
        {() => <GpuPanelBody mode={mode} locks={lockViews(lock.data)} lockError={lock.unavailable ? null : lock.error} lang={lang} windowMs={chartWindowMs} now={now} />}
      </ResourceState>
    </Panel>
  );
}

export function SystemCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const now = useNow();
  const health = useConsole((s) => s.health);
  const metrics = useRes('metrics');
  const snapshot = useRes('snapshot');
  const series = metrics.data ?? [];
  const latest = { ...latestValues(series), ...snapshotValues(snapshot.data) };
  return (
    <Panel title={t('system.title')} testId="panel-system">
      <SystemPanelBody
        points={systemPoints(series)}
        chartsMissing={metrics.unavailable ? 'GET /api/v1/monitoring/metrics' : metrics.data ? null : metrics.error}
        disks={diskRows(health)}
        redis={redisView(health, latest)}
        lang={lang}
        windowMs={chartWindowMs}
        now={now}
      />
    </Panel>
  );
}

export function KpiCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const stats = useRes('stats');
  const kpis = useRes('kpis');
  const samples = useRes('gpuSamples');
  const rows = kpiRows({ stats: stats.data, gpu: samples.data?.at(-1) ?? null, server: kpis.data });
  return (
    <Panel title={t('kpi.title')} testId="panel-kpi">
      <KpiPanelBody rows={rows} lang={lang} />
    </Panel>
  );
}

export function AlertsCard({ compact }: { compact?: boolean }) {
  const { t } = useTranslation();
  const lang = useLang();
  const alerts = useRes('alerts');
  const canAct = useConsole((s) => s.canAct);
  const now = useNow(10_000);
  const emergency = useRes('emergencyActions');
  const actionTitle = (id: string) => pickText(emergency.data?.find((a) => a.id === id)?.title, lang) || id;
  return (
    <Panel title={t('alerts.title')} testId="panel-alerts" actions={compact ? <More page="alerts" /> : undefined}>
      <ResourceState res={alerts} what="GET /api/v1/monitoring/alerts" onRetry={() => void actions.refresh('alerts')}>
        {(list) => <AlertList alerts={list} lang={lang} canAct={canAct} onAction={actions.alertAction} compact={compact} now={now} actionTitle={actionTitle} />}
      </ResourceState>
    </Panel>
  );
}

async function submitFiles(files: File[], options: JobOptionsInput): Promise<string[]> {
  const errors: string[] = [];
  for (const f of files) {
    try {
      const path = actions.transportKind() === 'ipc' ? actions.pathForFile(f) : null;
      if (path) await actions.submitPath(path, options);
      else await actions.uploadFile(f, options);
    } catch (e) {
      errors.push(`${f.name}: ${actions.errorText(e)}`);
    }
  }
  return errors;
}

async function submitPicked(options: JobOptionsInput): Promise<string[]> {
  const errors: string[] = [];
  for (const p of await actions.pickFiles()) {
    try {
      await actions.submitPath(p, options);
    } catch (e) {
      errors.push(`${p}: ${actions.errorText(e)}`);
    }
  }
  return errors;
}

/** Which optional stages a job may ask for: their models are on disk (model info). */
export function speakerStages(info: ModelInfo | null | undefined): { align: boolean; diarize: boolean } {
  if (!info?.speaker_models) return { align: false, diarize: false };
  const d = info.speaker_models.diarization;
  return { align: info.speaker_models.alignment.some((a) => a.found), diarize: d.segmentation.found && d.embedding.found };
}

export function DropCard() {
  const model = useRes('model');
  const canAct = useConsole((s) => s.canAct);
  return (
    <DropZone
      profiles={model.data?.profiles ?? []}
      activeProfile={model.data?.active_profile ?? null}
      canSubmit={canAct}
      nativePicker={Boolean(window.whisperx)}
      onFiles={submitFiles}
      onPickNative={submitPicked}
      speakers={speakerStages(model.data)}
    />
  );
}

export function JobsCard({ limit }: { limit?: number }) {
  const { t } = useTranslation();
  const jobs = useRes('jobs');
  const canAct = useConsole((s) => s.canAct);
  return (
    <Panel title={t('jobs.queue')} testId="panel-jobs" actions={limit ? <More page="jobs" /> : undefined}>
      <ResourceState res={jobs} what="GET /api/v1/transcriptions" onRetry={() => void actions.refresh('jobs')}>
        {(list) => <JobsTable jobs={list} canAct={canAct} limit={limit} onCancel={actions.cancelJob} onRetry={actions.retryJob} onExport={downloadExport} />}
      </ResourceState>
    </Panel>
  );
}

export function WorkersCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const now = useNow(5000);
  const workers = useRes('workers');
  return (
    <Panel title={t('jobs.workers')} testId="panel-workers">
      <ResourceState res={workers} what="GET /api/v1/workers">
        {(list) => <WorkersList workers={list} lang={lang} now={now} />}
      </ResourceState>
    </Panel>
  );
}

/** Without the emergency routes, the GPU lock release (its own route) is still offered. */
function fallbackActions(t: (k: string) => string): EmergencyActionView[] {
  const text = (k: string) => ({ en: t(k), zh: t(k) });
  return [
    {
      id: 'release_gpu_lock',
      title: text('emergency.release_lock_title'),
      description: text('emergency.release_lock_description'),
      manual_ref: '§5.2',
      params: [],
      available: true,
      unavailable_reason: null,
    },
  ];
}

export async function runAction(id: string, body: { lock_key?: string; reason?: string }, viaEmergencyRoute: boolean): Promise<ActionOutcome> {
  if (id === 'release_gpu_lock' && !viaEmergencyRoute) {
    const r = await actions.releaseGpuLock(body.lock_key ?? 'gpu_lock:0', body.reason);
    return { outcome: 'done', message: r.message };
  }
  const r = await actions.runEmergencyAction(id, body);
  return { outcome: r.outcome, message: r.message, details: r.details };
}

export function EmergencyCard({ compact, highlight }: { compact?: boolean; highlight?: string | null }) {
  const { t } = useTranslation();
  const lang = useLang();
  const list = useRes('emergencyActions');
  const lock = useRes('gpuLock');
  const canAct = useConsole((s) => s.canAct);
  const viaRoute = Boolean(list.data && !list.unavailable);
  const shown = viaRoute ? list.data! : fallbackActions(t);
  const lockKeys = lock.data?.locks.map((l) => l.lock_key) ?? [];
  return (
    <Panel title={t('emergency.title')} testId="panel-emergency" actions={compact ? <More page="emergency" /> : undefined}>
      {list.error && !list.unavailable && <p className="state-error">{t('panel.error', { message: list.error })}</p>}
      <EmergencyActions
        actions={compact ? shown.filter((a) => a.available !== false).slice(0, 4) : shown}
        lockKeys={lockKeys}
        lang={lang}
        canAct={canAct}
        compact={compact}
        highlight={highlight}
        onRun={(id, body) => runAction(id, body, viaRoute)}
      />
    </Panel>
  );
}

export function ModelCard({ full }: { full?: boolean }) {
  const { t } = useTranslation();
  const lang = useLang();
  const model = useRes('model');
  return (
    <Panel title={t('model.title')} testId="panel-model" actions={full ? undefined : <More page="models" />}>
      <ResourceState res={model} what="GET /api/v1/model/info" onRetry={() => void actions.refresh('model')}>
        {(info) => <ModelPanelBody info={info} lang={lang} full={full} />}
      </ResourceState>
    </Panel>
  );
}

export function ComponentsCard() {
  const { t } = useTranslation();
  const health = useConsole((s) => s.health);
  return (
    <Panel title={t('dashboard.components')} testId="panel-components">
      {!health ? (
        <p className="muted">{t('dashboard.waiting')}</p>
      ) : (
        <dl className="components" data-testid="components">
          {Object.entries(health.components).map(([name, c]) => (
            <div key={name} className={`component tone-${c.status === 'up' ? 'ok' : c.status === 'degraded' ? 'warn' : 'alert'}`}>
              <dt>{t(`health.component_${name}`, { defaultValue: name })}</dt>
              <dd>
                {c.message}
                {c.hint && <div className="hint">{c.hint}</div>}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </Panel>
  );
}

