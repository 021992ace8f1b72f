import { useTranslation } from 'react-i18next';
import { hashFor, pages, type Page } from '../views/nav';

/** The left rail: one entry per full page. */
export function Rail({ current, alertCount }: { current: Page; alertCount: number | null }) {
  const { t } = useTranslation();
  return (
    <nav className="rail" aria-label={t('nav.label')}>
      <ul>
        {pages.map((p) => (
          <li key={p}>
            <a href={hashFor(p)} aria-current={p === current ? 'page' : undefined} data-testid={`nav-${p}`}>
              {t(`nav.${p}`)}
              {p === 'alerts' && alertCount ? <span className="count"> ({alertCount})</span> : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
