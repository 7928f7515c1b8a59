import { startSimulator } from '../src/sim/server.js';
import { silentLogger } from '../src/util/logger.js';
import { startFakeSlack } from '../test/fakes/fake-slack.js';

// The bot's peers (a fake Slack and the Ping API simulator) in their own process, as they are in
// production, so a benchmark measures the bot and not the servers it talks to.
const slack = await startFakeSlack();
const sim = await startSimulator({ logger: silentLogger, speed: Number(process.argv[2] ?? 100) });
process.send?.({ slackApiUrl: slack.apiUrl, responseUrl: slack.responseUrl('bench'), simUrl: sim.url });
process.on('disconnect', () => void Promise.all([slack.close(), sim.close()]).then(() => process.exit(0)));
