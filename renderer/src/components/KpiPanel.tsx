import { useTranslation } from 'react-i18next';
import type { Language } from '../i18n/languages';
import { formatNumber, formatPercent, pickText } from '../views/format';
import type { KpiRow } from '../views/kpi-view';
import { StateText } from './Panel';

export function formatKpi(v: number | null, unit: string, lang: Language): string {
  if (v == null) return '–';
  if (unit === 'ratio') return formatPercent(v, lang, v < 0.1 && v > 0 ? 1 : 0);
  if (unit === 'seconds') return v < 1 ? `${formatNumber(v * 1000, lang)} ms` : `${formatNumber(v, lang, 2)} s`;
  if (unit === 's_per_audio_min') return `${formatNumber(v, lang, 2)} s/min`;
  return formatNumber(v, lang, 2);
}

/** The manual's eight KPIs against their thresholds, each with its state in words. */
export function KpiPanelBody({ rows, lang }: { rows: KpiRow[]; lang: Language }) {
  const { t } = useTranslation();
  return (
    <table className="kpis" data-testid="kpi-table">
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-testid={`kpi-${r.id}`} data-state={r.state}>
            <th scope="row">{pickText(r.label, lang) || t(`kpi.name_${r.id}`, { defaultValue: r.id })}</th>
            <td className="num">{r.value == null ? '–' : formatKpi(r.value, r.unit, lang)}</td>
            <td className="muted">{t(r.threshold.bound === 'max' ? 'kpi.limit_max' : 'kpi.limit_min', { value: formatKpi(r.threshold.value, r.unit, lang) })}</td>
            <td>
              <StateText tone={r.tone}>{t(`kpi.state_${r.state}`)}</StateText>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
