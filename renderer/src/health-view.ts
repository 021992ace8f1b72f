import type { HealthComponent, HealthReport } from '../../main/contract';

export type Tone = 'ok' | 'warn' | 'alert' | 'unknown';

export interface Badge {
  name: string;
  tone: Tone;
  /** Short text beside the dot (never colour alone). */
  label: string;
  title: string;
}

export const componentOrder = ['api', 'redis', 'engine', 'disk'];

function tone(c: HealthComponent | undefined): Tone {
  if (!c) return 'unknown';
  return c.status === 'up' ? 'ok' : c.status === 'degraded' ? 'warn' : 'alert';
}

/** Header badges from a health report, known components first; pure, unit-tested. */
export function healthBadges(report: HealthReport | null, feedOpen: boolean): Badge[] {
  if (!report) return componentOrder.map((name) => ({ name, tone: 'unknown', label: '…', title: `${name}: waiting for the server` }));
  const names = [...componentOrder.filter((n) => n in report.components), ...Object.keys(report.components).filter((n) => !componentOrder.includes(n))];
  return names.map((name) => {
    const c = report.components[name];
    const t = feedOpen ? tone(c) : 'unknown';
    const label = !feedOpen ? '?' : c?.status === 'up' ? 'up' : c?.status === 'degraded' ? 'degraded' : 'down';
    return { name, tone: t, label, title: c ? `${name}: ${c.message}${c.hint ? ` — ${c.hint}` : ''}` : name };
  });
}
