/** The store's typed errors, the same for every implementation. */

/**
 * The store could not be opened or migrated; the message names the setting (PINGOPS_DB or
 * PINGOPS_DATABASE_URL, never a password) and what to do.
 */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/**
 * A server store cannot be reached now (transient: it is tried again). Nothing was done; a
 * caller says so rather than answering as if the store were empty.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly code = 'PINGOPS_STORE_UNAVAILABLE';
}
