// Runs an entry point of pingops: the built JavaScript in dist/ when it is at least as new as
// every file in src/ (built on install by the `prepare` script), else the TypeScript sources
// through tsx. Built JS starts in a third of the time; an edited source always wins.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);

/** The newest modification time (ms) of a folder, its subfolders and their files. */
function newestIn(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `entry` is a file name under src/ without its extension: `cli` or `main`. */
export async function launch(entry) {
  const src = new URL(`src/${entry}.ts`, root);
  const dist = new URL(`dist/${entry}.js`, root);
  const hasDist = existsSync(dist);
  if (hasDist && (!existsSync(src) || statSync(dist).mtimeMs >= newestIn(fileURLToPath(new URL('src', root))))) {
    await import(dist.href);
    return;
  }
  let tsx = null;
  if (existsSync(src)) {
    try {
      tsx = await import('tsx/esm/api');
    } catch {
      tsx = null;
    }
  }
  if (tsx) {
    tsx.register();
    await import(src.href);
  } else if (hasDist) {
    // Sources newer than the build but no tsx to run them (a production install): the build it is.
    await import(dist.href);
  } else {
    process.stderr.write('pingops: neither a build in dist/ nor the sources with tsx were found; run npm install (it builds dist/).\n');
    process.exit(3);
  }
}
