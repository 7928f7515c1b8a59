import { benchLoad } from './load.js';

// One load run in a fresh process, so peak RSS is this run's alone; prints one JSON line.
const where = process.argv[2] === 'child' ? 'child' : 'in-process';
const n = Number(process.argv[3] ?? 1000);
const r = await benchLoad(n, where);
process.stdout.write(`${JSON.stringify(r)}\n`);
process.exit(0);
