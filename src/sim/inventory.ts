import type { ClientRecord } from '../core/client.js';
import type { ClientInventory } from '../noc/types.js';
import { normalizeClient } from '../pingapi/normalize.js';
import type { Clock } from '../util/clock.js';
import { simClient, simDate } from './clients.js';
import { withSimRouter } from './outages.js';
import { SIM_SERVICE_RANGE } from './scenarios.js';

/** Every client of the built-in simulator (1000-1999), with routers derived from zones. */
export function simInventory(clock: Clock): ClientInventory {
  return {
    async list() {
      const today = simDate(clock.now());
      const out: ClientRecord[] = [];
      for (let id = SIM_SERVICE_RANGE.min; id <= SIM_SERVICE_RANGE.max; id++) {
        const wire = simClient(id, today);
        if (wire) out.push(withSimRouter(normalizeClient(wire)));
      }
      return out;
    },
  };
}
