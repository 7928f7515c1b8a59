import { bareClientRecord, type ClientRecord } from '../../src/core/client.js';

/** Ana Morales, service 1001: `test/fixtures/api-client-found.json` as a ClientRecord. */
export const ANA_MORALES: ClientRecord = {
  serviceId: 1001,
  name: 'Ana Morales',
  document: '1032456789',
  phone: '+573104445566',
  address: 'Cra 12 #34-56',
  city: 'Tunja',
  locality: 'Centro',
  paymentStatus: 'active',
  zoneId: 4,
  antennaIp: '10.20.0.4',
  cutOffDate: '2026-12-15',
  outstandingBalance: 0,
  lanInterface: 'ether2',
  planName: 'Hogar 50M',
  planPrice: 65000,
  technicianId: 7,
  router: null,
  sector: null,
  zoneName: null,
};

/** A client with only an id and a name (active), plus whatever the test sets. */
export function bareClient(serviceId: number, name: string, extra: Partial<ClientRecord> = {}): ClientRecord {
  return { ...bareClientRecord(serviceId, name), paymentStatus: 'active', ...extra };
}
