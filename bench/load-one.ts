import { benchLoad } from './load.js';

// One load run in a fresh process, so peak RSS is this run's alone; prints one JSON line.
const where = process.argv[2] === 'child' ? 'child' : 'in-process';
const n = Number(process.argv[3] ?? 1000);
const logFile = process.argv[4] && process.argv[4] !== '-' ? process.argv[4] : null;
const engine = process.argv[5] === 'plain' ? 'plain' : process.argv[5] === 'conversation' ? 'conversation' : 'pingops';
const r = await benchLoad(n, where, { logFile, engine, warmup: process.argv[6] === 'warmup' });
process.stdout.write(`${JSON.stringify(r)}\n`);
process.exit(0);
