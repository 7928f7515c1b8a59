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
  router: { id: number; name: string; generalFault: string | null } | null;
  sector: { id: number; name: string } | null;
  zoneName: string | null;
}
