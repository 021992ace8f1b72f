import { EventEmitter } from 'node:events';
import type { ConsoleConfig } from './loader';

/** The config in force; replaced when config.yml changes on disk and still validates. */
export class ConfigStore extends EventEmitter {
  constructor(private cfg: ConsoleConfig) {
    super();
  }
  get current(): ConsoleConfig {
    return this.cfg;
  }
  /** Replaces the config and returns the top-level sections that changed. */
  replace(next: ConsoleConfig): string[] {
    const prev = this.cfg;
    const changed = Object.keys({ ...prev, ...next }).filter(
      (k) => k !== 'source' && JSON.stringify((prev as unknown as Record<string, unknown>)[k]) !== JSON.stringify((next as unknown as Record<string, unknown>)[k]),
    );
    this.cfg = next;
    if (changed.length) this.emit('change', next, changed);
    return changed;
  }
}
