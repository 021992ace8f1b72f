import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConsoleError } from '../errors';
import { defaultDataDir, packageRoot } from '../paths';
import { configSchema, type RawConsoleConfig } from './schema';
import type { Profile } from './sections/profiles';

export interface ResolvedPaths {
  data_dir: string;
  models: string;
  model_cache: string;
  results: string;
  logs: string;
  temp: string;
}

/** Config after validation, with absolute paths and the active profile picked out. */
export interface ConsoleConfig extends Omit<RawConsoleConfig, 'paths'> {
  paths: ResolvedPaths;
  /** The active profile's settings. */
  profile: Profile;
  source: { file: string; dir: string };
}

export interface ConfigLocation {
  /** --config flag value, if any. */
  flag?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** --config, else $WHISPERX_CONFIG, else ./config.yml, else the config.yml shipped with the product. */
export function locateConfig(loc: ConfigLocation = {}): string {
  const env = loc.env ?? process.env;
  const cwd = loc.cwd ?? process.cwd();
  if (loc.flag) return resolve(cwd, loc.flag);
  if (env.WHISPERX_CONFIG) return resolve(cwd, env.WHISPERX_CONFIG);
  const local = resolve(cwd, 'config.yml');
  if (existsSync(local)) return local;
  return resolve(packageRoot(), 'config.yml');
}

export interface ConfigIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
  value?: unknown;
}

function linePos(doc: Document.Parsed, counter: LineCounter, path: (string | number)[], key?: string) {
  // Walk as deep as the document goes, so a missing child reports its parent's line.
  let node: unknown = doc.contents;
  let offset: number | undefined;
  const segments = key === undefined ? path : [...path, key];
  for (const seg of segments) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    if (!pair) break;
    offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
    node = pair.value;
  }
  if (offset === undefined) return {};
  const pos = counter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function valueAt(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

function formatIssues(file: string, issues: ConfigIssue[]): string {
  return issues
    .map((i) => {
      const where = i.line ? `${file}:${i.line}${i.column ? `:${i.column}` : ''}` : file;
      const val = i.value === undefined ? '' : ` (value: ${JSON.stringify(i.value)})`;
      return `${where}: ${i.path || '(root)'}: ${i.message}${val}`;
    })
    .join('\n');
}

/** Parse and validate config text. Throws ConsoleError('config_invalid') naming key path, value and line. */
export function parseConfigText(text: string, file: string): RawConsoleConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, line: pos?.line, column: pos?.col } as ConfigIssue;
    });
    throw new ConsoleError('config_invalid', `Invalid configuration in ${file}:\n${formatIssues(file, issues)}`, {
      hint: 'Fix the YAML syntax at the line shown, then save; the console reloads it.',
      status: 400,
      details: { file, issues },
    });
  }
  const data: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues: ConfigIssue[] = [];
  for (const issue of parsed.error.issues as z.core.$ZodIssue[]) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({
          path: [...path, key].join('.'),
          message: `unknown key "${key}"`,
          value: valueAt(data, [...path, key]),
          ...linePos(doc, counter, path, key),
        });
      }
    } else {
      issues.push({
        path: path.join('.'),
        message: issue.message,
        value: valueAt(data, path),
        ...linePos(doc, counter, path),
      });
    }
  }
  throw new ConsoleError('config_invalid', `Invalid configuration in ${file}:\n${formatIssues(file, issues)}`, {
    hint: 'Correct the keys listed above (see docs/configuration.md), then save; the console reloads it.',
    status: 400,
    details: { file, issues },
  });
}

export interface ResolveOptions {
  /** --data-dir flag; wins over config and env. */
  dataDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export function resolveConfig(raw: RawConsoleConfig, file: string, opts: ResolveOptions = {}): ConsoleConfig {
  const dir = dirname(file);
  const env = opts.env ?? process.env;
  const dataDir = opts.dataDir
    ? resolve(opts.dataDir)
    : env.WHISPERX_DATA_DIR
      ? resolve(env.WHISPERX_DATA_DIR)
      : raw.paths.data_dir
        ? resolve(dir, raw.paths.data_dir)
        : defaultDataDir(env);
  const expand = (p: string) => {
    const s = p.replaceAll('{data_dir}', dataDir).replaceAll('{config_dir}', dir);
    return isAbsolute(s) ? s : resolve(dir, s);
  };
  const profile = raw.profiles[raw.active_profile];
  if (!profile) {
    throw new ConsoleError('config_invalid', `active_profile "${raw.active_profile}" is not defined`, { status: 400 });
  }
  return {
    ...raw,
    paths: {
      data_dir: dataDir,
      models: expand(raw.paths.models),
      model_cache: expand(raw.paths.model_cache),
      results: expand(raw.paths.results),
      logs: expand(raw.paths.logs),
      temp: expand(raw.paths.temp),
    },
    profile,
    source: { file, dir },
  };
}

export function loadConfig(file: string, opts: ResolveOptions = {}): ConsoleConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConsoleError('config_unreadable', `Cannot read configuration file ${file}: ${(e as Error).message}`, {
      hint: 'Pass --config PATH or set WHISPERX_CONFIG to a readable config.yml.',
      cause: e,
    });
  }
  return resolveConfig(parseConfigText(text, file), file, opts);
}

/** Overrides applied on top of the file (CLI flags), e.g. a different profile. */
export function withProfile(cfg: ConsoleConfig, name: string): ConsoleConfig {
  const profile = cfg.profiles[name];
  if (!profile) {
    throw new ConsoleError('unknown_profile', `Profile "${name}" is not in ${cfg.source.file}`, {
      hint: `Use one of: ${Object.keys(cfg.profiles).join(', ')}`,
      status: 400,
    });
  }
  return { ...cfg, active_profile: name, profile };
}

export interface ConfigWatcher {
  close(): void;
}

/**
 * Watches the config file; on a change that validates, calls onChange with the new config;
 * on one that does not, calls onError (the running config stays in force).
 */
export function watchConfig(
  file: string,
  opts: ResolveOptions,
  onChange: (cfg: ConsoleConfig) => void,
  onError: (err: ConsoleError) => void,
): ConfigWatcher {
  let timer: NodeJS.Timeout | undefined;
  let last = existsSync(file) ? readFileSync(file, 'utf8') : '';
  let watcher: FSWatcher | undefined;
  const reload = () => {
    timer = undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // mid-save (rename); the next event reloads
    }
    if (text === last) return;
    last = text;
    try {
      onChange(resolveConfig(parseConfigText(text, file), file, opts));
    } catch (e) {
      onError(e instanceof ConsoleError ? e : new ConsoleError('config_invalid', String(e)));
    }
  };
  // Watch the folder: editors save by rename, which ends a watch on the file itself.
  watcher = watch(dirname(file), (_event, name) => {
    if (name && resolve(dirname(file), name.toString()) !== file) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, 100);
  });
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
