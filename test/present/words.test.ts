import { describe, expect, it } from 'vitest';
import { words } from '../../src/present/words.js';

/** Every key path of a dictionary, with the kind of value at it. */
function shape(value: unknown, path = ''): string[] {
  if (typeof value === 'function') return [`${path}:fn${value.length}`];
  if (typeof value === 'string') return [`${path}:str`];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => shape(v, path ? `${path}.${k}` : k));
  return [`${path}:${typeof value}`];
}

/** Every string a dictionary can produce, calling templates with sample arguments. */
function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'function') return [String((value as (...a: unknown[]) => unknown)(...Array.from({ length: value.length }, () => 7)))];
  if (value && typeof value === 'object') return Object.values(value).flatMap(texts);
  return [];
}

describe('words', () => {
  it('has the same keys and template arities in both languages', () => {
    expect(shape(words('es')).sort()).toEqual(shape(words('en')).sort());
  });

  it.each(['en', 'es'] as const)('produces no empty or unfilled text in %s', (locale) => {
    for (const t of texts(words(locale))) {
      expect(t.trim()).not.toBe('');
      expect(t).not.toMatch(/undefined|\$\{|\{id\}/);
    }
  });

  it('really translates the sentences', () => {
    const en = texts(words('en'));
    const es = texts(words('es'));
    const same = en.filter((t, i) => t === es[i] && t.length > 12);
    expect(same).toEqual([]);
  });
});
