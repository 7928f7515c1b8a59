import 'dotenv/config';
import { runBot } from './app/bot.js';

// `npm start`: everything is wired in src/app/ (see docs/architecture.md).
runBot().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pingops: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
