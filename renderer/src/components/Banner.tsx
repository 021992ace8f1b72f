import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export function UnreachableBanner() {
  const { t } = useTranslation();
  return (
    <div className="banner tone-alert" role="alert" data-testid="banner-unreachable">
      {t('banner.unreachable')}
    </div>
  );
}

export interface TokenBannerProps {
  onToken: (token: string) => Promise<boolean>;
}

/** Browser sessions without a token are read-only; this says how to authenticate. */
export function TokenBanner({ onToken }: TokenBannerProps) {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  const [bad, setBad] = useState(false);
  return (
    <form
      className="banner tone-warn"
      data-testid="banner-token"
      onSubmit={(e) => {
        e.preventDefault();
        void onToken(value.trim()).then((ok) => setBad(!ok));
      }}
    >
      <span>{t('banner.token_missing')}</span>
      <input type="password" value={value} onChange={(e) => setValue(e.target.value)} placeholder={t('banner.token_placeholder')} aria-label={t('banner.token_placeholder')} />
      <button type="submit" disabled={!value.trim()}>
        {t('banner.token_save')}
      </button>
      {bad && <span role="status">{t('banner.token_bad')}</span>}
    </form>
  );
}
