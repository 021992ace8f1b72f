import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Resource } from '../store/resources';

export interface PanelProps {
  title: ReactNode;
  testId: string;
  actions?: ReactNode;
  className?: string;
  children: ReactNode;
}

/** A titled box on the dashboard or a page; presentation only. */
export function Panel({ title, testId, actions, className, children }: PanelProps) {
  return (
    <section className={`panel ${className ?? ''}`} data-testid={testId} aria-label={typeof title === 'string' ? title : undefined}>
      <header className="panel-head">
        <h2>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/**
 * Loading, error and "not offered by this server" states of a resource; renders children
 * only once data is there. `what` names the missing backend piece.
 */
export function ResourceState<T>({ res, what, children, onRetry }: { res: Resource<T>; what: string; onRetry?: () => void; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (res.data != null && !res.unavailable) return <>{children(res.data)}</>;
  if (res.unavailable) return <p className="muted state-unavailable" data-state="unavailable">{t('panel.unavailable', { what })}</p>;
  if (res.error)
    return (
      <p className="state-error" role="alert" data-state="error">
        {t('panel.error', { message: res.error })}{' '}
        {onRetry && (
          <button type="button" className="link" onClick={onRetry}>
            {t('panel.retry')}
          </button>
        )}
      </p>
    );
  return <p className="muted" data-state="loading">{t('panel.loading')}</p>;
}

export function StateText({ tone, children, testId }: { tone: string; children: ReactNode; testId?: string }) {
  return (
    <span className={`state-text tone-${tone}`} data-testid={testId}>
      <span className="dot" aria-hidden="true" />
      {children}
    </span>
  );
}
