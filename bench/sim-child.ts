import { startSimulator } from '../src/sim/server.js';
import { silentLogger } from '../src/util/logger.js';

// Runs the simulator in its own process for the load bench, like the ISP's real API would be.
const sim = await startSimulator({ logger: silentLogger, speed: 1 });
process.send?.({ url: sim.url });
process.on('message', (m) => {
  if (m === 'stats') process.send?.({ stats: sim.stats() });
});
process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
