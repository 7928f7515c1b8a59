/**
 * Pure readers of WispHub's client API (`GET /api/clientes/{id}/`, and the DRF pages of
 * `GET /api/clientes/`): a WispHub client (Spanish field names) as a ClientRecord.
 */
import { z } from 'zod';
import type { ClientRecord } from '../../core/client.js';
import { TransientError } from '../../core/errors.js';
import type { Logger } from '../../util/logger.js';
import { cleanMessage, num, parseBody, text } from '../normalize.js';

/** `YYYY-MM-DD` (with or without a time) or `DD/MM/YYYY`, checked for a real date; else null. */
export function wispHubDate(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(s);
  const dmy = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  const date = iso ? `${iso[1]}-${iso[2]}-${iso[3]}` : dmy ? `${dmy[3]}-${dmy[2]}-${dmy[1]}` : null;
  if (!date) return null;
  // Reject impossible dates such as 2026-02-31, which Date would roll over.
  return new Date(`${date}T00:00:00Z`).toISOString().startsWith(date) ? date : null;
}

/** A nested `{id, nombre}` (zona, sectorial, plan_internet); null when absent or unusable. */
const named = () =>
  z.unknown().optional().transform((v): { id: number | null; name: string | null } | null => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const o = v as Record<string, unknown>;
    const n = typeof o['id'] === 'number' ? o['id'] : typeof o['id'] === 'string' && /^\d+$/.test(o['id'].trim()) ? Number(o['id']) : null;
    return { id: n !== null && Number.isSafeInteger(n) ? n : null, name: cleanMessage(o['nombre'], 200) };
  });

const routerSchema = z.unknown().optional().transform((v): ClientRecord['router'] => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const rid = typeof o['id'] === 'number' && Number.isSafeInteger(o['id']) ? o['id'] : null;
  const name = cleanMessage(o['nombre'], 200);
  if (rid === null || name === null) return null;
  const fault = o['falla_general'] === true || o['falla_general'] === 'true' || o['falla_general'] === 1;
  return { id: rid, name, generalFault: fault ? (cleanMessage(o['falla_general_descripcion'], 300) ?? '') : null };
});

const clientSchema = z.object({
  id_servicio: z
    .union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  nombre: z.unknown().optional(),
  usuario: z.unknown().optional(),
  cedula: text(),
  telefono: text(),
  direccion: text(300),
  localidad: text(),
  ciudad: text(),
  ip: text(100),
  estado: text(50),
  fecha_corte: z.unknown().optional().transform(wispHubDate),
  saldo: num(),
  plan_internet: named(),
  zona: named(),
  router: routerSchema,
  sectorial: named(),
  tecnico: named(),
  precio_plan: num(),
});

const malformed = (what: string, status: number | null) => new TransientError('malformed', `WispHub answered ${what} that could not be read`, status);

/**
 * One WispHub client as a ClientRecord. `id_servicio` and a name (`nombre`, else `usuario`) are
 * required; anything else missing or unusable is null. `estado` passes through as WispHub says it
 * (`Activo`, `Suspendido`, ...). Throws TransientError('malformed') naming the bad fields, never their values.
 */
export function mapWispHubClient(json: unknown): ClientRecord {
  const parsed = clientSchema.safeParse(json);
  const name = parsed.success ? (cleanMessage(parsed.data.nombre, 300) ?? cleanMessage(parsed.data.usuario, 300)) : null;
  if (!parsed.success || name === null) {
    const fields = parsed.success ? 'nombre' : [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? 'record')))].join(', ');
    throw new TransientError('malformed', `WispHub answered a client record that could not be read (${fields})`);
  }
  const c = parsed.data;
  const zone = c.zona;
  const sector = c.sectorial;
  return {
    serviceId: c.id_servicio,
    name,
    document: c.cedula,
    phone: c.telefono,
    address: c.direccion,
    city: c.ciudad,
    locality: c.localidad,
    paymentStatus: c.estado,
    zoneId: zone?.id ?? null,
    antennaIp: c.ip,
    cutOffDate: c.fecha_corte,
    outstandingBalance: c.saldo,
    lanInterface: null,
    planName: c.plan_internet?.name ?? null,
    planPrice: c.precio_plan,
    technicianId: c.tecnico?.id ?? null,
    router: c.router,
    sector: sector && sector.id !== null && sector.name !== null ? { id: sector.id, name: sector.name } : null,
    zoneName: zone?.name ?? null,
  };
}

/** A 2xx answer of `GET /api/clientes/{id}/`. */
export function readWispHubClient(status: number, bodyText: string): ClientRecord {
  const parsed = parseBody(bodyText);
  if (parsed.kind !== 'value' || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    throw malformed('a client', status);
  }
  return mapWispHubClient(parsed.value);
}

/** One DRF page of clients: the total, and the readable clients of this page. */
export interface ClientPage {
  count: number;
  /** Items on this page, readable or not (the next offset moves by this). */
  items: number;
  clients: ClientRecord[];
}

/**
 * A 2xx answer of `GET /api/clientes/?limit=&offset=`: `{count, next, previous, results}`.
 * Unreadable clients are skipped and logged, so one bad record does not hide the others.
 */
export function readClientPage(status: number, bodyText: string, logger: Logger): ClientPage {
  const parsed = parseBody(bodyText);
  if (parsed.kind !== 'value' || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    throw malformed('a page of clients', status);
  }
  const body = parsed.value as Record<string, unknown>;
  const results = body['results'];
  const count = body['count'];
  if (!Array.isArray(results) || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) throw malformed('a page of clients', status);
  const clients: ClientRecord[] = [];
  results.forEach((item, index) => {
    try {
      clients.push(mapWispHubClient(item));
    } catch (err) {
      logger.warn({ index, reason: err instanceof Error ? err.message : String(err) }, 'skipping an unreadable WispHub client');
    }
  });
  return { count, items: results.length, clients };
}
