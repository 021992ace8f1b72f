import { useTranslation } from 'react-i18next';
import type { Language } from '../i18n/languages';
import { formatAge, formatBytes, formatNumber, formatPercent } from '../views/format';
import type { GpuMode, LockView } from '../views/gpu-view';
import { StateText } from './Panel';
import { TimeChart } from './TimeChart';

export interface GpuPanelProps {
  mode: GpuMode;
  locks: LockView[];
  lockError: string | null;
  lang: Language;
  windowMs: number;
  now: number;
}

/** Per device utilisation and memory charts, temperature, power; then every GPU lock. */
export function GpuPanelBody({ mode, locks, lockError, lang, windowMs, now }: GpuPanelProps) {
  const { t } = useTranslation();
  const minutes = Math.round(windowMs / 60_000);
  return (
    <>
      {mode.kind === 'waiting' && <p className="muted">{t('gpu.waiting')}</p>}
      {mode.kind === 'cpu' && (
        <div className="cpu-mode" data-testid="gpu-cpu-mode">
          <strong>{t('gpu.cpu_mode')}</strong>
          <p className="muted">{t('gpu.cpu_mode_detail', { message: mode.message })}</p>
        </div>
      )}
      {mode.kind === 'error' && <p className="state-error">{t('gpu.telemetry_error', { message: mode.message })}</p>}
      {mode.kind === 'disabled' && <p className="muted">{t('gpu.telemetry_disabled', { message: mode.message })}</p>}
      {mode.kind === 'gpu' &&
        mode.devices.map((d) => (
          <div key={d.index} className="gpu-device" data-testid={`gpu-device-${d.index}`}>
            <h3>{t('gpu.device', { index: d.index, name: d.name })}</h3>
            <dl className="figures">
              <div>
                <dt>{t('gpu.utilisation')}</dt>
                <dd>
                  <StateText tone={d.tone}>{d.utilPercent == null ? '–' : `${formatNumber(d.utilPercent, lang)}%`}</StateText>
                </dd>
              </div>
              <div>
                <dt>{t('gpu.memory')}</dt>
                <dd>
                  {t('gpu.memory_value', {
                    used: formatBytes(d.memUsedMiB == null ? null : d.memUsedMiB * 1048576, lang),
                    total: formatBytes(d.memTotalMiB == null ? null : d.memTotalMiB * 1048576, lang),
                  })}{' '}
                  ({formatPercent(d.memRatio, lang)})
                </dd>
              </div>
              <div>
                <dt>{t('gpu.temperature')}</dt>
                <dd>{d.temperatureC == null ? '–' : `${formatNumber(d.temperatureC, lang)} °C`}</dd>
              </div>
              <div>
                <dt>{t('gpu.power')}</dt>
                <dd>{d.powerW == null ? '–' : `${formatNumber(d.powerW, lang)} W`}</dd>
              </div>
            </dl>
            <div className="chart-pair">
              <TimeChart label={t('gpu.chart_util', { minutes })} points={d.points} series={[{ key: 'util', name: '%', color: 'var(--chart1)' }]} domain={[0, 100]} unit="%" lang={lang} windowMs={windowMs} now={now} />
              <TimeChart
                label={t('gpu.chart_mem', { minutes })}
                points={d.points}
                series={[{ key: 'mem', name: 'GiB', color: 'var(--chart2)' }]}
                domain={[0, d.memTotalMiB ? Math.ceil(d.memTotalMiB / 1024) : 'auto']}
                unit=" GiB"
                lang={lang}
                windowMs={windowMs}
                now={now}
              />
            </div>
          </div>
        ))}
      <h3>{t('gpu.locks')}</h3>
      {lockError && <p className="state-error">{t('panel.error', { message: lockError })}</p>}
      {!lockError && locks.length === 0 && <p className="muted">{t('gpu.no_locks')}</p>}
      <ul className="locks">
        {locks.map((l) => (
          <li key={l.key} data-testid={`lock-${l.key}`} data-state={l.state} title={l.message}>
            <code>{l.key}</code> <StateText tone={l.tone}>{t(`gpu.lock_state_${l.state}`)}</StateText>
            {l.holder && (
              <span className="muted">
                {' '}
                · {t('gpu.holder')} {l.holder}
                {l.jobId && (
                  <>
                    {' '}
                    · {t('gpu.job')} <code>{l.jobId}</code>
                  </>
                )}{' '}
                · {t('gpu.heartbeat_age')} {formatAge(l.heartbeatAgeMs, lang)} · {t('gpu.ttl')} {formatAge(l.ttlMs, lang)}
              </span>
            )}
            <span className="muted">
              {' '}
              · {t('gpu.waiters')} {l.waiters}
            </span>
            {l.waiterList.length > 0 && (
              <ol className="waiters">
                {l.waiterList.map((w) => (
                  <li key={w.position}>
                    {w.who} · {formatAge(w.waitingMs, lang)}
                  </li>
                ))}
              </ol>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
