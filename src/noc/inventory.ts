import type { ClientRecord } from '../core/client.js';
import type { Directory } from '../directory/types.js';
import type { NocStore } from './store.js';
import type { ClientInventory } from './types.js';

/**
 * For a Ping API without a full client list: the clients watched one by one, looked up in the
 * directory. Router, zone and `all` entries need a list (WispHub's, wired in by the provider).
 */
export function watchedClientsInventory(directory: Directory, store: NocStore): ClientInventory {
  return {
    async list(opts) {
      const ids = (await store.listWatches()).filter((w) => w.kind === 'client' && w.ref !== null).map((w) => w.ref as number);
      const found = await Promise.all(ids.map((id) => directory.client(id, opts?.signal ? { signal: opts.signal } : {})));
      return found.filter((c): c is ClientRecord => c !== null);
    },
  };
}
