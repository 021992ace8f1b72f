import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { TokenBanner, UnreachableBanner } from './components/Banner';
import { HealthHeader } from './components/HealthHeader';
import { initialLanguage, setLanguage, type Language } from './i18n';
import { applyEvent, useConsole } from './store';
import type { Transport } from './transport';

export function App({ transport }: { transport: Transport }) {
  const { t } = useTranslation();
  const { health, feed } = useConsole(useShallow((s) => ({ health: s.health, feed: s.feed })));
  const [language, setLang] = useState<Language>(initialLanguage());
  const [hasToken, setHasToken] = useState(transport.hasToken());
  const [profile, setProfile] = useState<string | null>(null);

  useEffect(() => {
    const unsubscribe = transport.subscribe(applyEvent, (s) => useConsole.getState().setFeed(s));
    transport
      .call('modelInfo')
      .then((m) => setProfile(m.active_profile))
      .catch(() => undefined);
    return unsubscribe;
  }, [transport]);

  useEffect(() => {
    if (feed === 'open') {
      transport
        .call('modelInfo')
        .then((m) => setProfile(m.active_profile))
        .catch(() => undefined);
    }
  }, [feed, transport]);

  return (
    <div className="app">
      <HealthHeader
        health={health}
        feedOpen={feed === 'open'}
        profile={profile}
        language={language}
        onLanguage={(l) => {
          setLanguage(l);
          setLang(l);
        }}
      />
      {feed === 'closed' && <UnreachableBanner />}
      {!hasToken && (
        <TokenBanner
          onToken={async (token) => {
            transport.setToken(token);
            try {
              await transport.call('authCheck');
              setHasToken(true);
              return true;
            } catch {
              transport.setToken(null);
              return false;
            }
          }}
        />
      )}
      <main className="content">
        <section className="panel" aria-labelledby="components-title">
          <h2 id="components-title">{t('dashboard.components')}</h2>
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
        </section>
      </main>
    </div>
  );
}
