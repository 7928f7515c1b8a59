/**
 * The simulator's client base: plausible WispHub clients in Boyacá, deterministic from the
 * service id, in the Ping API's wire form (ping-api.md §4). A few ids are fixed so the README,
 * the fixtures and demos can rely on them; the rest are generated.
 */
import type { DeviceHost } from './scenarios.js';
import { SIM_SERVICE_RANGE, scenarioFor } from './scenarios.js';
import { between, hashInt, pick, seededRandom } from './seeded.js';
import type { ProbeTarget } from './wisphub.js';

/** A client exactly as the Ping API's look-ups carry it in `data`. */
export interface WireClient {
  service_id: number;
  name: string;
  document: string;
  phone: string;
  address: string;
  city: string;
  locality: string;
  payment_status: 'active' | 'suspended';
  zone_id: number;
  antenna_ip: string;
  cut_off_date: string;
  outstanding_balance: number;
  lan_interface: string;
  internet_plan_name: string;
  internet_plan_price: number;
  technician_id: number;
}

/** Everything about a client that does not depend on today's date. */
type Profile = Omit<WireClient, 'cut_off_date'> & { billingDay: 5 | 15 | 25 };

const PLANS = [
  { name: 'Hogar 20M', price: 45000 },
  { name: 'Hogar 50M', price: 65000 },
  { name: 'Empresarial 100M', price: 150000 },
] as const;

const CITIES = {
  Tunja: { zones: [1, 2, 3, 4], localities: ['Centro', 'Las Nieves', 'San Antonio', 'Los Muiscas', 'Santa Inés', 'Altamira'] },
  Duitama: { zones: [5, 6], localities: ['Centro', 'La Esperanza', 'San Luis', 'Higueras', 'Villa Margarita'] },
  Sogamoso: { zones: [7, 8], localities: ['Centro', 'El Jardín', 'Magdalena', 'Monquirá', 'Mochacá'] },
  Paipa: { zones: [9], localities: ['Centro', 'Pantano de Vargas', 'La Playa', 'Palermo'] },
} as const;
type City = keyof typeof CITIES;

const FIRST_F = ['María', 'Luz', 'Sandra', 'Claudia', 'Paola', 'Marcela', 'Lucía', 'Ángela', 'Yolanda', 'Gloria', 'Natalia', 'Carolina', 'Daniela', 'Mónica', 'Liliana', 'Esperanza', 'Beatriz', 'Sofía'] as const;
const FIRST_M = ['Juan', 'Carlos', 'Luis', 'Jorge', 'Andrés', 'Camilo', 'Felipe', 'Julián', 'Óscar', 'Hernán', 'Édgar', 'Fabián', 'Sebastián', 'Nicolás', 'Mauricio', 'Sergio', 'Wilson', 'José'] as const;
// No "Morales" here: a search for "Ana Morales" finds exactly the fixture's client.
const SURNAMES = [
  'Rodríguez', 'Gómez', 'González', 'Martínez', 'García', 'López', 'Hernández', 'Sánchez', 'Ramírez', 'Pérez',
  'Díaz', 'Muñoz', 'Rojas', 'Moreno', 'Jiménez', 'Vargas', 'Castro', 'Gutiérrez', 'Ortiz', 'Álvarez', 'Suárez',
  'Torres', 'Peña', 'Cárdenas', 'Niño', 'Becerra', 'Camargo', 'Fonseca', 'Sandoval', 'Avella', 'Chaparro',
] as const;
const STREETS = ['Cra', 'Cra', 'Cl', 'Cl', 'Tv', 'Dg'] as const;
const MOBILE_PREFIXES = ['310', '311', '312', '313', '314', '320', '321', '350'] as const;

/**
 * Hand-written clients, overriding the generated ones: the fixture's 1001, the billing hold
 * 1003, the wrong-interface 1004, two "Carlos Pérez" (ambiguous name search), accented names
 * (accent-insensitive search) and 1013, whose name and address carry chat-injection text
 * that must be served verbatim (escaping is the chat layer's job).
 */
const FIXED: Readonly<Record<number, Partial<Profile>>> = {
  1001: {
    name: 'Ana Morales', document: '1032456789', phone: '+573104445566', address: 'Cra 12 #34-56', city: 'Tunja',
    locality: 'Centro', payment_status: 'active', zone_id: 4, antenna_ip: '10.20.0.4', outstanding_balance: 0,
    lan_interface: 'ether2', internet_plan_name: 'Hogar 50M', internet_plan_price: 65000, technician_id: 7, billingDay: 15,
  },
  1002: { name: 'Jorge Ramírez', address: 'Cl 45 #10-23', city: 'Duitama', locality: 'La Esperanza', zone_id: 5, internet_plan_name: 'Hogar 20M', internet_plan_price: 45000 },
  1003: {
    name: 'Luz Dary Castro', address: 'Tv 8 #15-40', city: 'Sogamoso', locality: 'El Jardín', zone_id: 7,
    payment_status: 'suspended', outstanding_balance: 90000, internet_plan_name: 'Hogar 20M', internet_plan_price: 45000, billingDay: 5,
  },
  1004: { name: 'Andrés Rojas', address: 'Cra 9 #20-11', city: 'Paipa', locality: 'Centro', zone_id: 9, lan_interface: 'ether9', internet_plan_name: 'Empresarial 100M', internet_plan_price: 150000 },
  1005: { name: 'Sandra Milena Vargas', address: 'Cl 18 #7-32', city: 'Tunja', locality: 'Las Nieves', zone_id: 2 },
  1006: { name: 'Carlos Pérez', address: 'Cra 7 #22-15', city: 'Tunja', locality: 'San Antonio', zone_id: 1 },
  1007: { name: 'Carlos Pérez', address: 'Cl 16 #14-08', city: 'Duitama', locality: 'Centro', zone_id: 6 },
  1008: { name: 'Diana Patiño', address: 'Cra 11 #8-50', city: 'Sogamoso', locality: 'Magdalena', zone_id: 8 },
  1009: { name: 'José Peña', address: 'Cl 3 #4-19', city: 'Paipa', locality: 'La Playa', zone_id: 9 },
  1010: { name: 'Lucía Martínez', address: 'Dg 31 #2-44', city: 'Tunja', locality: 'Los Muiscas', zone_id: 3 },
  1013: {
    name: '*Pedro* Gómez <!channel> @everyone',
    address: 'Cl 9 #9-99 <http://evil.example|click here> @here discord.gg/x',
    city: 'Tunja', locality: 'Centro', zone_id: 1,
  },
};

let profiles: Profile[] | null = null;

function allProfiles(): Profile[] {
  profiles ??= Array.from({ length: SIM_SERVICE_RANGE.max - SIM_SERVICE_RANGE.min + 1 }, (_, i) => profileFor(SIM_SERVICE_RANGE.min + i));
  return profiles;
}

function profileFor(id: number): Profile {
  const r = seededRandom(hashInt(id, 11));
  const female = r() < 0.5;
  const first = female ? pick(r, FIRST_F) : pick(r, FIRST_M);
  const s1 = pick(r, SURNAMES);
  let s2 = pick(r, SURNAMES);
  if (s2 === s1) s2 = pick(r, SURNAMES);
  const cityRoll = r();
  const city: City = cityRoll < 0.4 ? 'Tunja' : cityRoll < 0.65 ? 'Duitama' : cityRoll < 0.9 ? 'Sogamoso' : 'Paipa';
  const { zones, localities } = CITIES[city];
  const zone = pick(r, zones);
  const planRoll = r();
  const plan = planRoll < 0.4 ? PLANS[0] : planRoll < 0.85 ? PLANS[1] : PLANS[2];
  const scenario = scenarioFor(id);
  const suspended = scenario?.outcome === 'no_internet' && hashInt(id, 12) % 2 === 0;
  const k = id - SIM_SERVICE_RANGE.min;
  const generated: Profile = {
    service_id: id,
    name: `${first} ${s1} ${s2}`,
    // Affine maps modulo a power of ten with a multiplier coprime to 10 are bijections: unique per id.
    document: `10${String((id * 73_815_821 + 4_201_337) % 100_000_000).padStart(8, '0')}`,
    phone: `+57${pick(r, MOBILE_PREFIXES)}${String((id * 7_654_321 + 1_234_567) % 10_000_000).padStart(7, '0')}`,
    address: `${pick(r, STREETS)} ${between(r, 1, 60)} #${between(r, 1, 80)}-${between(r, 10, 99)}`,
    city,
    locality: pick(r, localities),
    payment_status: suspended ? 'suspended' : 'active',
    zone_id: zone,
    antenna_ip: `10.20.${Math.floor(k / 250)}.${(k % 250) + 3}`,
    outstanding_balance: suspended ? plan.price * between(r, 1, 3) : r() < 0.15 ? plan.price : 0,
    lan_interface: `ether${between(r, 2, 5)}`,
    internet_plan_name: plan.name,
    internet_plan_price: plan.price,
    technician_id: 0,
    billingDay: pick(r, [5, 15, 25] as const),
  };
  const merged: Profile = { ...generated, ...FIXED[id] };
  // Technicians work by zone; a hand-written zone keeps its zone's technicians.
  const crew = between(r, 0, 3);
  if (FIXED[id]?.technician_id === undefined) merged.technician_id = ((merged.zone_id - 1 + crew) % 12) + 1;
  return merged;
}

/** Today's date in Colombia (UTC-5, no daylight saving) as `YYYY-MM-DD`, the calendar billing runs on. */
export function simDate(nowMs: number): string {
  return new Date(nowMs - 5 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * The client card with its cut-off date relative to `today`: the next billing day for a
 * client in good standing, the last one already passed for a suspended client.
 */
function toWire(p: Profile, today: string): WireClient {
  const { billingDay, ...rest } = p;
  const [y = 1970, m = 1, d = 1] = today.split('-').map(Number);
  let month = m - 1;
  if (p.payment_status === 'suspended') {
    if (d <= billingDay) month -= 1;
  } else if (d >= billingDay) {
    month += 1;
  }
  const cut = new Date(Date.UTC(y, month, billingDay)).toISOString().slice(0, 10);
  return {
    service_id: rest.service_id, name: rest.name, document: rest.document, phone: rest.phone, address: rest.address,
    city: rest.city, locality: rest.locality, payment_status: rest.payment_status, zone_id: rest.zone_id,
    antenna_ip: rest.antenna_ip, cut_off_date: cut, outstanding_balance: rest.outstanding_balance,
    lan_interface: rest.lan_interface, internet_plan_name: rest.internet_plan_name,
    internet_plan_price: rest.internet_plan_price, technician_id: rest.technician_id,
  };
}

/** The client of a service id on `today` (`YYYY-MM-DD`), or null when there is no such service. */
export function simClient(serviceId: number, today: string): WireClient | null {
  if (!Number.isInteger(serviceId) || serviceId < SIM_SERVICE_RANGE.min || serviceId > SIM_SERVICE_RANGE.max) return null;
  const p = allProfiles()[serviceId - SIM_SERVICE_RANGE.min];
  return p ? toWire(p, today) : null;
}

/** The client with this national ID number (dots, spaces and dashes ignored), or null. */
export function findClientByDocument(document: string, today: string): WireClient | null {
  const wanted = document.replace(/[.\s-]/g, '').toUpperCase();
  if (wanted === '') return null;
  const p = allProfiles().find((c) => c.document.toUpperCase() === wanted);
  return p ? toWire(p, today) : null;
}

/** The client with this phone, given with or without `+57`, spaces or dashes; or null. */
export function findClientByPhone(phone: string, today: string): WireClient | null {
  const wanted = phone.replace(/\D/g, '');
  if (wanted === '') return null;
  const p = allProfiles().find((c) => {
    const digits = c.phone.replace(/\D/g, '');
    return digits === wanted || (wanted.length === 10 && digits === `57${wanted}`);
  });
  return p ? toWire(p, today) : null;
}

/** Lower-case, accents and extra spaces removed: "  JOSÉ  Peña" and "jose pena" compare equal. */
export function foldText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

let haystacks: { id: number; text: string }[] | null = null;

/**
 * Clients whose name, address, phone, document or service id contains `query`, ignoring case
 * and accents, by ascending service id, at most `limit`. A blank query matches nothing.
 */
export function searchSimClients(query: string, today: string, limit = 25): WireClient[] {
  const q = foldText(query);
  if (q === '') return [];
  haystacks ??= allProfiles().map((p) => ({
    id: p.service_id,
    // One line per field, so a query never matches across two fields.
    text: [p.name, p.address, p.phone, p.document, String(p.service_id)].map(foldText).join('\n'),
  }));
  const out: WireClient[] = [];
  for (const h of haystacks) {
    if (out.length >= limit) break;
    if (!h.text.includes(q)) continue;
    const c = simClient(h.id, today);
    if (c) out.push(c);
  }
  return out;
}

/** A stable MAC for the customer's device, for lines WispHub pings by MAC. */
export function deviceMac(serviceId: number): string {
  const h = hashInt(serviceId, 21);
  const bytes = [0xa4, 0x5e, 0x60, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** The hosts WispHub pings for a client: the device (by IP or MAC) and its zone's sector antenna. */
export function probeTargetFor(client: WireClient, device: DeviceHost): ProbeTarget {
  return {
    customerHost: device === 'mac' ? deviceMac(client.service_id) : client.antenna_ip,
    antennaHost: `190.14.${20 + client.zone_id}.${5 + client.zone_id}`,
    lanInterface: client.lan_interface,
  };
}

/** Every simulated client on `today`, by service id. */
export function allSimClients(today: string): WireClient[] {
  return allProfiles().map((p) => toWire(p, today));
}

/** Routers with WispHub's "general fault" flag on, by zone: the README's demo of the warning line. */
const GENERAL_FAULTS: Readonly<Record<number, string>> = {
  8: 'Corte de fibra en el sector Magdalena; cuadrilla en camino',
};

const ZONE_CITY: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(CITIES).flatMap(([city, { zones }]) => zones.map((z) => [z, city])),
);

/** A client as WispHub's own API (`/api/clientes/{id}/`) carries it: Spanish names, nested objects. */
export function toWispHubClient(c: WireClient): Record<string, unknown> {
  const city = ZONE_CITY[c.zone_id] ?? c.city;
  const fault = GENERAL_FAULTS[c.zone_id];
  return {
    id_servicio: c.service_id,
    usuario: `cliente${c.service_id}`,
    nombre: c.name,
    cedula: c.document,
    telefono: c.phone,
    direccion: c.address,
    localidad: c.locality,
    ciudad: c.city,
    ip: c.antenna_ip,
    estado: c.payment_status === 'active' ? 'Activo' : 'Suspendido',
    fecha_corte: c.cut_off_date,
    saldo: c.outstanding_balance.toFixed(2),
    plan_internet: { id: PLANS.findIndex((p) => p.name === c.internet_plan_name) + 1, nombre: c.internet_plan_name },
    zona: { id: c.zone_id, nombre: `${city} ${c.zone_id}` },
    router: {
      id: c.zone_id,
      nombre: `RB-${c.zone_id}`,
      ip: `190.14.${20 + c.zone_id}.1`,
      falla_general: fault !== undefined,
      falla_general_descripcion: fault ?? '',
    },
    sectorial: { id: c.zone_id * 10 + 1, nombre: `Sectorial ${city} ${c.zone_id}` },
    tecnico: { id: c.technician_id, nombre: `Técnico ${c.technician_id}` },
    coordenadas: null,
  };
}
