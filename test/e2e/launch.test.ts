import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/spawn.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A checkout in miniature: the real bin/ and node_modules (for tsx), a one-line src/ and dist/. */
function checkout(): { root: string; run: () => string; age: (path: string, secondsAgo: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'pingops-launch-'));
  dirs.push(root);
  mkdirSync(join(root, 'bin'));
  for (const f of ['launch.js', 'pingops.js', 'start.js']) copyFileSync(join(REPO_ROOT, 'bin', f), join(root, 'bin', f));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  mkdirSync(join(root, 'src', 'core'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  const says = (what: string) => `process.stdout.write(${JSON.stringify(what)} as string);\n`;
  writeFileSync(join(root, 'src', 'cli.ts'), says('sources'));
  writeFileSync(join(root, 'src', 'core', 'deep.ts'), 'export {};\n');
  writeFileSync(join(root, 'dist', 'cli.js'), `process.stdout.write('built');\n`);
  const age = (path: string, secondsAgo: number) => {
    const t = Date.now() / 1000 - secondsAgo;
    utimesSync(join(root, path), t, t);
  };
  for (const p of ['src/cli.ts', 'src/core/deep.ts', 'src/core', 'src']) age(p, 100);
  age('dist/cli.js', 50);
  return { root, age, run: () => execFileSync(process.execPath, [join(root, 'bin', 'pingops.js')], { cwd: root, encoding: 'utf8' }) };
}

describe('bin/pingops.js picks what to run', () => {
  it('runs the build when it is newer than every source', () => {
    expect(checkout().run()).toBe('built');
  });

  it('runs the sources through tsx when any source, however deep, is newer than the build', () => {
    const c = checkout();
    c.age('src/core/deep.ts', 10);
    expect(c.run()).toBe('sources');
  });

  it('runs the sources when a file was removed from src/ after the build', () => {
    const c = checkout();
    c.age('src/core', 10);
    expect(c.run()).toBe('sources');
  });

  it('runs the sources when there is no build', () => {
    const c = checkout();
    rmSync(join(c.root, 'dist'), { recursive: true });
    expect(c.run()).toBe('sources');
  });
});
