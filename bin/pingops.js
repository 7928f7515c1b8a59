#!/usr/bin/env node
// Runs the TypeScript sources through tsx in a clone, or the built dist/ in a production image.
import { existsSync } from 'node:fs';

const src = new URL('../src/cli.ts', import.meta.url);
const dist = new URL('../dist/cli.js', import.meta.url);
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
} else if (existsSync(dist)) {
  await import(dist.href);
} else {
  process.stderr.write('pingops: neither the sources with tsx nor a build in dist/ were found; run npm install (and npm run build).\n');
  process.exit(3);
}
