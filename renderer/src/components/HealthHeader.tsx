import { useTranslation } from 'react-i18next';
import type { HealthReport } from '../../../main/contract';
import { healthBadges, type Tone } from '../health-view';
import { languages, type Language } from '../i18n/languages';
import { hashFor, type Page } from '../views/nav';

export interface HealthHeaderProps {
  health: HealthReport | null;
  feedOpen: boolean;
  profile: string | null;
  /** The profiles of config.yml; the select switches between them. */
  profiles?: string[];
  /** Absent without a token (read-only session). */
  onProfile?: ((name: string) => void) | undefined;
  language: Language;
  onLanguage: (l: Language) => void;
  /** Extra GPU lock badge when the health report has no gpu_lock component. */
  lockBadge?: { label: string; tone: Tone; state: string } | null;
  /** Firing, unacknowledged alerts; null when the alerts service is not there. */
  alertCount: number | null;
}

const detailPage: Record<string, Page> = { engine: 'models', gpu_lock: 'emergency', jobs: 'jobs' };

/** The health summary: one badge per component, each with text beside its colour, opening its detail. */
export function HealthHeader({ health, feedOpen, profile, profiles = [], onProfile, language, onLanguage, lockBadge, alertCount }: HealthHeaderProps) {
  const { t } = useTranslation();
  const badges = healthBadges(health, feedOpen);
  return (
    <header className="header" role="banner">
      <h1 className="title">{t('app.title')}</h1>
      {profile && (
        <label className="profile" data-testid="profile">
          {t('header.profile')}:{' '}
          <select
            value={profile}
            disabled={!onProfile || profiles.length === 0}
            title={onProfile ? t('header.profile_switch_hint') : t('header.profile_switch_needs_token')}
            aria-label={t('header.profile')}
            onChange={(e) => onProfile?.(e.target.value)}
          >
            {(profiles.length ? profiles : [profile]).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      )}
      <ul className="badges" aria-label={t('header.component_health')}>
        {badges.map((b) => (
          <li key={b.name} className={`badge tone-${b.tone}`} title={b.title} data-testid={`badge-${b.name}`} data-state={b.label}>
            <a href={hashFor(detailPage[b.name] ?? 'dashboard')}>
              <span className="dot" aria-hidden="true" />
              <span className="name">{t(`health.component_${b.name}`, { defaultValue: b.name })}</span>{' '}
              <span className="state">{t(`health.state_${b.label === '?' ? 'unknown' : b.label === '…' ? 'unknown' : b.label}`)}</span>
            </a>
          </li>
        ))}
        {lockBadge && !health?.components.gpu_lock && (
          <li className={`badge tone-${feedOpen ? lockBadge.tone : 'unknown'}`} data-testid="badge-lock" data-state={lockBadge.state}>
            <a href={hashFor('emergency')}>
              <span className="dot" aria-hidden="true" />
              <span className="name">{lockBadge.label}</span> <span className="state">{t(`gpu.lock_state_${lockBadge.state}`)}</span>
            </a>
          </li>
        )}
      </ul>
      {health && (
        <span className={`overall tone-${health.status === 'healthy' ? 'ok' : health.status === 'degraded' ? 'warn' : 'alert'}`} data-testid="overall">
          {t(`header.status_${health.status}`)}
        </span>
      )}
      {alertCount != null && (
        <a href={hashFor('alerts')} className={`alert-count ${alertCount > 0 ? 'tone-alert' : 'tone-ok'}`} data-testid="alert-count" data-count={alertCount}>
          {alertCount > 0 ? t('header.alerts', { count: alertCount }) : t('header.alerts_none')}
        </a>
      )}
      <label className="lang">
        <span className="sr-only">{t('header.language')}</span>
        <select value={language} onChange={(e) => onLanguage(e.target.value as Language)} aria-label={t('header.language')}>
          {Object.entries(languages).map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
      </label>
    </header>
  );
}
