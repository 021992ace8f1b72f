import { useTranslation } from 'react-i18next';
import type { HealthReport } from '../../../main/contract';
import { healthBadges } from '../health-view';
import { languages, type Language } from '../i18n';

export interface HealthHeaderProps {
  health: HealthReport | null;
  feedOpen: boolean;
  profile: string | null;
  language: Language;
  onLanguage: (l: Language) => void;
}

/** The health summary: one badge per component, each with text beside its colour. */
export function HealthHeader({ health, feedOpen, profile, language, onLanguage }: HealthHeaderProps) {
  const { t } = useTranslation();
  const badges = healthBadges(health, feedOpen);
  return (
    <header className="header" role="banner">
      <h1 className="title">{t('app.title')}</h1>
      {profile && (
        <span className="profile" data-testid="profile">
          {t('header.profile')}: <strong>{profile}</strong>
        </span>
      )}
      <ul className="badges" aria-label="component health">
        {badges.map((b) => (
          <li key={b.name} className={`badge tone-${b.tone}`} title={b.title} data-testid={`badge-${b.name}`} data-state={b.label}>
            <span className="dot" aria-hidden="true" />
            <span className="name">{t(`health.component_${b.name}`, { defaultValue: b.name })}</span>{' '}
            <span className="state">{t(`health.state_${b.label === '?' ? 'unknown' : b.label === '…' ? 'unknown' : b.label}`)}</span>
          </li>
        ))}
      </ul>
      {health && (
        <span className={`overall tone-${health.status === 'healthy' ? 'ok' : health.status === 'degraded' ? 'warn' : 'alert'}`} data-testid="overall">
          {t(`header.status_${health.status}`)}
        </span>
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
