/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zh } from './zh';

/** Every leaf key path of a messages object ("jobs.state_active"). */
function keyPaths(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keyPaths(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function emptyLeaves(o: object): string[] {
  return keyPaths(o).filter((p) => {
    const v = p.split('.').reduce<unknown>((acc, k) => (acc as Record<string, unknown>)[k], o);
    return typeof v !== 'string' || v.trim() === '';
  });
}

// Source files, read raw at build time (no Node built-ins in renderer/).
const sources = import.meta.glob(['../**/*.tsx', '../**/*.ts', '!../**/*.test.ts', '!../i18n/*.ts'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** Literal keys passed to t('…') anywhere in the UI. */
function usedKeys(): string[] {
  const keys = new Set<string>();
  for (const text of Object.values(sources)) {
    for (const m of text.matchAll(/\bt\(\s*'([a-z_]+\.[a-z0-9_.]+)'/g)) keys.add(m[1]!);
  }
  return [...keys];
}

describe('UI messages', () => {
  it('have the same keys in English and Simplified Chinese', () => {
    const a = keyPaths(en).sort();
    const b = keyPaths(zh).sort();
    expect(b.filter((k) => !a.includes(k))).toEqual([]);
    expect(a.filter((k) => !b.includes(k))).toEqual([]);
  });

  it('have no empty strings in either language', () => {
    expect(emptyLeaves(en)).toEqual([]);
    expect(emptyLeaves(zh)).toEqual([]);
  });

  it('define every key the components use', () => {
    const known = new Set(keyPaths(en));
    // Plural keys resolve to key_one / key_other.
    const missing = usedKeys().filter((k) => !known.has(k) && !known.has(`${k}_other`));
    expect(usedKeys().length).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it('keep the same interpolation placeholders in both languages', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    const get = (o: object, p: string) => p.split('.').reduce<unknown>((acc, k) => (acc as Record<string, unknown>)[k], o) as string;
    const differing = keyPaths(en).filter((p) => JSON.stringify(placeholders(get(en, p))) !== JSON.stringify(placeholders(get(zh, p))));
    expect(differing).toEqual([]);
  });
});
