import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Language } from '../i18n/languages';
import { formatNumber, formatTime } from '../views/format';

export interface TimeChartProps<P extends { t: number }> {
  label: string;
  points: P[];
  series: { key: keyof P & string; name: string; color: string }[];
  domain?: [number | 'auto', number | 'auto'];
  unit?: string;
  lang: Language;
  height?: number;
  /** Chart window; the x axis always spans it so a fresh chart does not stretch two points. */
  windowMs: number;
  now: number;
}

/** A small live line chart (recharts) over a fixed time window. */
export function TimeChart<P extends { t: number }>({ label, points, series, domain, unit, lang, height = 110, windowMs, now }: TimeChartProps<P>) {
  return (
    <figure className="chart" aria-label={label}>
      <figcaption className="muted">{label}</figcaption>
      <div style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[now - windowMs, now]}
              tickFormatter={(v: number) => formatTime(v, lang).slice(0, 5)}
              stroke="var(--muted)"
              fontSize={11}
              minTickGap={40}
            />
            <YAxis domain={domain ?? ['auto', 'auto']} stroke="var(--muted)" fontSize={11} width={44} />
            <Tooltip
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--fg)' }}
              labelFormatter={(v) => formatTime(Number(v), lang)}
              formatter={(v) => `${formatNumber(Number(v), lang, 1)}${unit ?? ''}`}
            />
            {series.map((s) => (
              <Line key={s.key} type="monotone" dataKey={s.key} name={s.name} stroke={s.color} dot={false} isAnimationActive={false} connectNulls strokeWidth={1.5} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
