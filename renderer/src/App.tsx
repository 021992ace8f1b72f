import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { TokenBanner, UnreachableBanner } from './components/Banner';
import { HealthHeader } from './components/HealthHeader';
import { Rail } from './components/Rail';
import i18n, { initialLanguage, setLanguage, type Language } from './i18n';
import { useRes } from './pages/hooks';
import { AlertsPage, DashboardPage, EmergencyPage, JobsPage, MaintenancePage, ModelsPage } from './pages/Pages';
import { SettingsPage } from './pages/SettingsPage';
import { TranscriptsPage } from './pages/TranscriptsPage';
import { applyEvent, onAlertNotification, useConsole } from './store';
import { bindActions, switchProfile } from './store/actions';
import { startSync, type Sync } from './store/sync';
import type { Transport } from './transport';
import { unacknowledgedCount } from './views/alerts-view';
import { lockBadge } from './views/gpu-view';
import { notificationFor } from './views/notify';
import { parseHash, type Location } from './views/nav';

function useLocation(): Location {
  const [loc, setLoc] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setLoc(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return loc;
}

export function App({ transport }: { transport: Transport }) {
  const { health, feed } = useConsole(useShallow((s) => ({ health: s.health, feed: s.feed })));
  const [language, setLang] = useState<Language>(initialLanguage());
  const [hasToken, setHasToken] = useState(transport.hasToken());
  const [sync, setSync] = useState<Sync | null>(null);
  const loc = useLocation();
  const model = useRes('model');
  const alerts = useRes('alerts');
  const gpuLock = useRes('gpuLock');

  useEffect(() => {
    useConsole.getState().setCanAct(hasToken);
  }, [hasToken]);

  useEffect(() => {
    const s = startSync(transport);
    bindActions(transport, s);
    setSync(s);
    const unsubscribe = transport.subscribe(applyEvent, (st) => useConsole.getState().setFeed(st));
    if (transport.kind === 'http' && 'Notification' in window) {
      onAlertNotification((n) => {
        if (Notification.permission !== 'granted') return;
        const { title, options } = notificationFor(n, i18n.language === 'zh' ? 'zh' : 'en');
        new Notification(title, options);
      });
    }
    return () => {
      onAlertNotification(null);
      unsubscribe();
      s.stop();
    };
  }, [transport]);

  // After a reconnect, everything may have changed while we were away.
  useEffect(() => {
    if (feed === 'open' && sync) void sync.refreshMany(['model', 'gpuSamples', 'gpuLock', 'jobs', 'workers', 'stats', 'alerts']);
  }, [feed, sync]);

  const alertCount = alerts.data && !alerts.unavailable ? unacknowledgedCount(alerts.data) : null;
  const badge = useMemo(() => lockBadge(gpuLock.data), [gpuLock.data]);
  const onLanguage = (l: Language) => {
    setLanguage(l);
    setLang(l);
  };

  return (
    <div className="app">
      <HealthHeader
        health={health}
        feedOpen={feed === 'open'}
        profile={model.data?.active_profile ?? null}
        profiles={model.data?.profiles ?? []}
        onProfile={hasToken ? (name) => void switchProfile(name).catch(() => undefined) : undefined}
        language={language}
        onLanguage={onLanguage}
        lockBadge={badge}
        alertCount={alertCount}
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
      <div className="body">
        <Rail current={loc.page} alertCount={alertCount} />
        <main className="content" id="main">
          {sync && loc.page === 'dashboard' && <DashboardPage />}
          {sync && loc.page === 'jobs' && <JobsPage />}
          {sync && loc.page === 'transcripts' && <TranscriptsPage id={loc.id} />}
          {sync && loc.page === 'alerts' && <AlertsPage />}
          {sync && loc.page === 'maintenance' && <MaintenancePage />}
          {sync && loc.page === 'emergency' && <EmergencyPage />}
          {sync && loc.page === 'models' && <ModelsPage />}
          {sync && loc.page === 'settings' && (
            <SettingsPage
              transportKind={transport.kind}
              onLanguage={onLanguage}
              onForgetToken={() => {
                transport.setToken(null);
                setHasToken(false);
              }}
            />
          )}
        </main>
      </div>
    </div>
  );
}
