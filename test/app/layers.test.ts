import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The folders show the architecture (docs/architecture.md): src/app/ is the only code that wires,
// the entry points only call it, and no domain folder reaches up into it, the adapters, the
// simulator or the settings. Read from the sources, so a new import that breaks it fails here.

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every relative import (static, re-export or dynamic) of every source file, as paths under src/. */
const imports: { from: string; to: string }[] = sources(SRC).flatMap((file) => {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1] as string);
  return specs.map((spec) => ({ from: relative(SRC, file), to: relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))) }));
});

/** The folder under src/ (or the file itself at the top: config.ts, main.ts, cli.ts, cli-args.ts). */
const area = (path: string): string => path.split('/')[0] as string;
const DOMAIN = ['core', 'chat', 'noc', 'directory', 'pingapi', 'present', 'store', 'http', 'util'];
/** The processes' entry points: they read the settings and call src/app/. */
const ENTRY_POINTS = ['main.ts', 'cli.ts', 'adapters/discord/register-cli.ts'];

const offending = (test: (i: { from: string; to: string }) => boolean) =>
  imports
    .filter(test)
    .map((i) => `${i.from} -> ${i.to}`)
    .sort();

describe('the layers of src/', () => {
  it('reads the imports (a scan that finds nothing would prove nothing)', () => {
    expect(imports.length).toBeGreaterThan(300);
    expect(imports).toContainEqual({ from: 'main.ts', to: 'app/bot.ts' });
  });

  it('only src/app/ and the entry points import the assembly layer', () => {
    expect(offending((i) => area(i.to) === 'app' && area(i.from) !== 'app' && !ENTRY_POINTS.includes(i.from))).toEqual([]);
  });

  it('no domain folder imports the assembly layer, the adapters, the simulator, the settings or an entry point', () => {
    const above = new Set(['app', 'adapters', 'sim', 'config.ts', 'main.ts', 'cli.ts', 'cli-args.ts']);
    expect(offending((i) => DOMAIN.includes(area(i.from)) && above.has(area(i.to)))).toEqual([]);
  });

  it('adapters know their platform: no settings, no store, no simulator, no engine building', () => {
    expect(offending((i) => area(i.from) === 'adapters' && !ENTRY_POINTS.includes(i.from) && (['config.ts', 'app', 'sim', 'store'].includes(area(i.to)) || i.to === 'chat/engine.ts'))).toEqual([]);
  });

  it('the NOC does not reach into chat (chat builds on the NOC: /noc, the notifier, the desk)', () => {
    expect(offending((i) => area(i.from) === 'noc' && area(i.to) === 'chat')).toEqual([]);
  });

  it('core depends on nothing above it', () => {
    expect(offending((i) => area(i.from) === 'core' && !['core', 'util'].includes(area(i.to)))).toEqual([]);
  });

  it('the chat layer names no platform', () => {
    const named = sources(join(SRC, 'chat')).filter((f) => /'slack'|'discord'/.test(readFileSync(f, 'utf8')));
    expect(named.map((f) => relative(SRC, f))).toEqual([]);
  });
});
