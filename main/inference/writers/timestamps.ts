/**
 * Python's round() on a float: nearest integer, exact halves to even. The writers use it
 * so millisecond values match openai-whisper/WhisperX output digit for digit.
 */
export function pyRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Milliseconds as the writers round them; negative or non-finite times become 0. */
export function toMilliseconds(seconds: number): number {
  return Number.isFinite(seconds) && seconds > 0 ? pyRound(seconds * 1000.0) : 0;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** whisper.utils.format_timestamp: [HH:]MM:SS<marker>mmm, hours when asked or non-zero. */
export function formatTimestamp(seconds: number, alwaysIncludeHours = false, decimalMarker = '.'): string {
  let ms = toMilliseconds(seconds);
  const hours = Math.floor(ms / 3_600_000);
  ms -= hours * 3_600_000;
  const minutes = Math.floor(ms / 60_000);
  ms -= minutes * 60_000;
  const secs = Math.floor(ms / 1000);
  ms -= secs * 1000;
  const hoursMarker = alwaysIncludeHours || hours > 0 ? `${pad(hours, 2)}:` : '';
  return `${hoursMarker}${pad(minutes, 2)}:${pad(secs, 2)}${decimalMarker}${pad(ms, 3)}`;
}
