import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Panel } from '../components/Panel';
import { languages, type Language } from '../i18n/languages';
import { useConsole } from '../store';
import { formatAge } from '../views/format';
import { useLang } from './hooks';

export interface SettingsPageProps {
  transportKind: 'http' | 'ipc';
  onLanguage: (l: Language) => void;
  onForgetToken: () => void;
}

export function SettingsPage({ transportKind, onLanguage, onForgetToken }: SettingsPageProps) {
  const { t } = useTranslation();
  const lang = useLang();
  const canAct = useConsole((s) => s.canAct);
  const health = useConsole((s) => s.health);
  const supported = transportKind === 'http' && 'Notification' in window;
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  return (
    <div className="page" data-testid="page-settings">
      <Panel title={t('settings.title')} testId="panel-settings">
        <dl className="figures">
          <div>
            <dt>{t('settings.language')}</dt>
            <dd>
              <select value={lang} onChange={(e) => onLanguage(e.target.value as Language)} aria-label={t('settings.language')}>
                {Object.entries(languages).map(([code, name]) => (
                  <option key={code} value={code}>
                    {name}
                  </option>
                ))}
              </select>
            </dd>
          </div>
          <div>
            <dt>{t('settings.theme')}</dt>
            <dd>{t('settings.theme_note')}</dd>
          </div>
          <div>
            <dt>{t('settings.transport')}</dt>
            <dd>{transportKind === 'http' ? t('settings.transport_http') : t('settings.transport_ipc')}</dd>
          </div>
          <div>
            <dt>{t('settings.notifications')}</dt>
            <dd data-testid="notifications">
              {transportKind === 'ipc' ? (
                t('settings.notifications_desktop')
              ) : !supported ? (
                t('settings.notifications_unsupported')
              ) : permission === 'default' ? (
                <button type="button" onClick={() => void Notification.requestPermission().then(setPermission)}>
                  {t('settings.notifications_enable')}
                </button>
              ) : permission === 'granted' ? (
                t('settings.notifications_granted')
              ) : (
                t('settings.notifications_denied')
              )}
            </dd>
          </div>
          {transportKind === 'http' && canAct && (
            <div>
              <dt>{t('settings.token')}</dt>
              <dd>
                {t('settings.token_set')}{' '}
                <button type="button" onClick={onForgetToken}>
                  {t('settings.token_clear')}
                </button>
              </dd>
            </div>
          )}
          {health && (
            <div>
              <dt>{t('settings.server')}</dt>
              <dd>{t('settings.version', { version: health.version, uptime: formatAge(health.uptime_s * 1000, lang) })}</dd>
            </div>
          )}
        </dl>
      </Panel>
    </div>
  );
}
