import 'dotenv/config';
import { runCli } from './app/cli.js';

// `npx pingops …`: the commands live in src/app/cli.ts.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pingops: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(3);
  },
);
