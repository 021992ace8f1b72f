import type { Language } from '../i18n/languages';

/** Config-provided titles come as {en, zh}; plain strings pass through. */
export type LocalText = string | { en: string; zh: string } | null | undefined;

export function pickText(text: LocalText, lang: Language): string {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  return text[lang] || text.en || text.zh || '';
}

const locale = (lang: Language) => (lang === 'zh' ? 'zh-CN' : 'en-GB');

export function formatNumber(n: number, lang: Language, digits = 0): string {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

/** 0..1 → "63%" (null → "–"). */
export function formatPercent(ratio: number | null | undefined, lang: Language, digits = 0): string {
  if (ratio == null || !Number.isFinite(ratio)) return '–';
  return new Intl.NumberFormat(locale(lang), { style: 'percent', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(ratio);
}

/** Binary units, as `free -h` / `df -h` print them. */
export function formatBytes(bytes: number | null | undefined, lang: Language): string {
  if (bytes == null || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${bytes < 0 ? '-' : ''}${formatNumber(v, lang, v >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Seconds → "0:42", "12:05", "1:02:03" (ETAs, durations, media positions). */
export function formatClock(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

/** Transcript timestamps with tenths: "1:05.3". */
export function formatTimestamp(seconds: number): string {
  const tenths = Math.floor((seconds % 1) * 10 + 1e-6);
  return `${formatClock(seconds)}.${tenths}`;
}

/** Milliseconds → "850 ms", "12 s", "3 min", "2 h". */
export function formatAge(ms: number | null | undefined, lang: Language): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${formatNumber(ms, lang)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${formatNumber(s, lang, s < 10 ? 1 : 0)} s`;
  if (s < 7200) return `${formatNumber(s / 60, lang)} min`;
  if (s < 172800) return `${formatNumber(s / 3600, lang, 1)} h`;
  return `${formatNumber(s / 86400, lang, 1)} d`;
}

export function formatDateTime(iso: string | null | undefined, lang: Language): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'short', timeStyle: 'medium' }).format(d);
}

export function formatTime(ms: number, lang: Language): string {
  return new Intl.DateTimeFormat(locale(lang), { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(ms));
}
