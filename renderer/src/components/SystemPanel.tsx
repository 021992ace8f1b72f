import { useTranslation } from 'react-i18next';
import type { Language } from '../i18n/languages';
import { formatBytes, formatNumber, formatPercent } from '../views/format';
import type { DiskRow, RedisView, SystemPoint } from '../views/system-view';
import { StateText } from './Panel';
import { TimeChart } from './TimeChart';

export interface SystemPanelProps {
  points: SystemPoint[];
  /** Why there are no charts (monitoring not in this server), or null. */
  chartsMissing: string | null;
  disks: DiskRow[];
  redis: RedisView;
  lang: Language;
  windowMs: number;
  now: number;
}

export function SystemPanelBody({ points, chartsMissing, disks, redis, lang, windowMs, now }: SystemPanelProps) {
  const { t } = useTranslation();
  return (
    <>
      {chartsMissing ? (
        <p className="muted" data-state="unavailable">
          {t('system.no_metrics', { what: chartsMissing })}
        </p>
      ) : (
        <div className="chart-pair">
          <TimeChart label={t('system.memory_chart')} points={points} series={[{ key: 'memPercent', name: '%', color: 'var(--chart1)' }]} domain={[0, 100]} unit="%" lang={lang} windowMs={windowMs} now={now} />
          <TimeChart label={t('system.rss_chart')} points={points} series={[{ key: 'rssMiB', name: 'MiB', color: 'var(--chart2)' }]} unit=" MiB" lang={lang} windowMs={windowMs} now={now} />
        </div>
      )}
      <h3>{t('system.disk')}</h3>
      {disks.length === 0 ? (
        <p className="muted">{t('system.no_disk')}</p>
      ) : (
        <ul className="disks" data-testid="disk-rows">
          {disks.map((d) => (
            <li key={d.name} title={d.path}>
              <span className="disk-name">{d.name}</span>
              <StateText tone={d.tone}>
                {t('system.disk_row', { free: formatBytes(d.freeBytes, lang), total: formatBytes(d.totalBytes, lang), percent: formatPercent(d.freePercent / 100, lang) })}
              </StateText>
            </li>
          ))}
        </ul>
      )}
      <h3>{t('system.redis')}</h3>
      <p data-testid="redis-figures">
        {redis.up === false ? (
          <StateText tone="alert">{t('system.redis_down')}</StateText>
        ) : (
          <>
            <StateText tone={redis.up ? 'ok' : 'unknown'}>
              {t('system.redis_latency')} {redis.latencyMs == null ? '–' : `${formatNumber(redis.latencyMs, lang, 1)} ms`}
            </StateText>{' '}
            · {t('system.redis_memory')} {formatBytes(redis.usedMemoryBytes, lang)}
          </>
        )}
      </p>
    </>
  );
}
