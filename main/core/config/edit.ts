import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConsoleError } from '../errors';
import { parseConfigText, resolveConfig, type ConsoleConfig } from './loader';

/**
 * Sets one top-level scalar in config.yml, keeping comments and layout, and only if the
 * result still validates; written atomically (temp + rename) so the watcher never sees half a file.
 */
export function setConfigValue(cfg: ConsoleConfig, key: 'active_profile', value: string): ConsoleConfig {
  const file = cfg.source.file;
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.set(key, value);
  const text = doc.toString();
  const next = resolveConfig(parseConfigText(text, file), file, { dataDir: cfg.paths.data_dir });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    throw new ConsoleError('config_unwritable', `Cannot write ${file}: ${(e as Error).message}`, {
      hint: 'Make config.yml writable by the console, or edit active_profile there by hand.',
      status: 500,
      cause: e,
    });
  }
  return next;
}
