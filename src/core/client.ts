/** A WispHub client (one line), as the Ping API's look-ups describe it. */
export interface ClientRecord {
  serviceId: number;
  name: string;
  document: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  locality: string | null;
  /** WispHub's word, e.g. `active`, `suspended`, `cut`; anything not `active` is a billing hold. */
  paymentStatus: string | null;
  zoneId: number | null;
  antennaIp: string | null;
  /** ISO date `YYYY-MM-DD`. */
  cutOffDate: string | null;
  outstandingBalance: number | null;
  lanInterface: string | null;
  planName: string | null;
  planPrice: number | null;
  technicianId: number | null;
  /**
   * The router (MikroTik) serving the line, where the provider knows it (WispHub direct).
   * `generalFault`: null when WispHub's `falla_general` is off; else its description ('' if none given).
   */
  router: { id: number; name: string; generalFault: string | null } | null;
  /** The sector (sectorial) antenna, where the provider knows it. */
  sector: { id: number; name: string } | null;
  /** The zone's name, where the provider knows it (`zoneId` is the number). */
  zoneName: string | null;
}

/** A card with only an id and a name, for a client no list or look-up knows (still checked by id). */
export function bareClientRecord(serviceId: number, name: string): ClientRecord {
  return {
    serviceId,
    name,
    document: null,
    phone: null,
    address: null,
    city: null,
    locality: null,
    paymentStatus: null,
    zoneId: null,
    antennaIp: null,
    cutOffDate: null,
    outstandingBalance: null,
    lanInterface: null,
    planName: null,
    planPrice: null,
    technicianId: null,
    router: null,
    sector: null,
    zoneName: null,
  };
}
