import type { ScanCursors } from '../../logs/reader';
import { cleanLogs } from '../housekeeping';
import type { Check } from '../types';

const CURSORS = 'error_log_cursors';

/** §2.3 "find ERROR lines per service": every ERROR/FATAL line written since the previous scan. */
export const errorLogs: Check = async (deps, input) => {
  const cfg = deps.config().maintenance.error_logs;
  const saved = (await deps.history.getState<{ at: number; cursors: ScanCursors }>(CURSORS)) ?? null;
  const sinceMs = saved?.at ?? input.previousRunAt ?? deps.now() - cfg.first_scan_hours * 3_600_000;
  const scan = await deps.logs.scanErrors({ sinceMs, cursors: saved?.cursors ?? {}, maxLines: cfg.max_lines });
  await deps.history.setState(CURSORS, { at: deps.now(), cursors: scan.cursors });
  const per = Object.entries(scan.by_component).map(([c, n]) => `${c}: ${n}`).join(', ');
  return {
    result: scan.count > 0 ? 'fail' : 'ok',
    summary: scan.count > 0 ? `${scan.count} ERROR line(s) since ${scan.since} (${per})` : `No ERROR lines since ${scan.since} in ${scan.files_scanned} log file(s)`,
    details: { since: scan.since, count: scan.count, by_component: scan.by_component, files_scanned: scan.files_scanned, lines: scan.lines.map((l) => ({ component: l.component, file: l.file, time: l.time, level: l.level, text: l.text })) },
  };
};

/** §6 weekly "clean log files": the same cleanup as the emergency action. */
export const cleanLogFiles: Check = async (deps) => {
  const r = cleanLogs(deps);
  return { result: 'ok', summary: r.message, details: r };
};
