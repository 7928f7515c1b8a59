import type { ClientRecord } from '../core/client.js';
import type { PingApi } from '../core/ping-api.js';
import type { Directory } from '../directory/types.js';
import type { NocStore } from './store.js';
import type { ClientInventory } from './types.js';

/**
 * For a Ping API without a full client list: the clients watched one by one, looked up in the
 * directory. Router, zone and `all` entries need a list (`providerInventory`).
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

/**
 * The provider's own full list (WispHub's, cached and refreshed by the provider; the
 * middleware's `/api/clients/`), falling back to `fallback` when this API has none.
 */
export function providerInventory(api: Pick<PingApi, 'listClients'>, fallback: ClientInventory): ClientInventory {
  return {
    async list(opts) {
      const all = api.listClients ? await api.listClients(opts?.signal ? { signal: opts.signal } : {}) : null;
      return all ?? fallback.list(opts);
    },
  };
}
