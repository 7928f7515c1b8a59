/**
 * The middleware's two route layouts (ping-api.md §7) and the pure decisions about which one a
 * deployment serves: from its `/openapi.json`, from a probe, and what "route does not exist" looks like.
 */
import { parseBody } from './normalize.js';

/** `v1`: the documented `/api/v1/...` routes; `plain`: the code today, `/api/...` with bare bodies. */
export type RouteLayout = 'v1' | 'plain';

/** What the configuration asks for: a layout, or `auto` (detect at start, again after a redeploy). */
export type RouteLayoutSetting = RouteLayout | 'auto';

/** Paths of one layout, relative to the API base; every variable segment URL-encoded. */
export interface Routes {
  create(serviceId: number): string;
  result(taskId: string): string;
  byServiceId(serviceId: number): string;
  byDocument(document: string): string;
  byPhone(phone: string): string;
  search: string;
  /** Every client, a bare list (the code today only; the middleware caches it for 5 min). */
  list: string | null;
}

const seg = (v: string | number) => encodeURIComponent(String(v));

export function routesFor(layout: RouteLayout): Routes {
  const p = layout === 'v1' ? '/api/v1' : '/api';
  return {
    create: (id) => `${p}/${seg(id)}/ping/`,
    result: (task) => `${p}/ping/${seg(task)}/`,
    byServiceId: (id) => `${p}/clients/by-service-id/${seg(id)}`,
    byDocument: (d) => `${p}/clients/by-document/${seg(d)}`,
    byPhone: (ph) => `${p}/clients/by-phone/${seg(ph)}`,
    search: `${p}/clients/search`,
    list: layout === 'plain' ? `${p}/clients/` : null,
  };
}

/** The route the probe asks for in each layout: a look-up of service 0, which exists nowhere. */
export const PROBE_PATHS: Readonly<Record<RouteLayout, string>> = {
  v1: routesFor('v1').byServiceId(0),
  plain: routesFor('plain').byServiceId(0),
};

const V1_PING = /^\/api\/v1\/\{[^/}]+\}\/ping\/?$/;
const PLAIN_PING = /^\/api\/\{[^/}]+\}\/ping\/?$/;

/**
 * The layout whose create-ping route an OpenAPI document lists, or null when it lists neither
 * (or is not an OpenAPI document). Both listed: `v1`, the documented one.
 */
export function layoutFromOpenApi(doc: unknown): RouteLayout | null {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  const paths = (doc as Record<string, unknown>)['paths'];
  if (typeof paths !== 'object' || paths === null || Array.isArray(paths)) return null;
  const keys = Object.keys(paths);
  if (keys.some((k) => V1_PING.test(k))) return 'v1';
  if (keys.some((k) => PLAIN_PING.test(k))) return 'plain';
  return null;
}

/** FastAPI's answer for a path no route serves: 404 `{"detail": "Not Found"}`, nothing else. */
export function isGenericNotFound(status: number, bodyText: string): boolean {
  if (status !== 404) return false;
  const parsed = parseBody(bodyText);
  if (parsed.kind !== 'value' || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return false;
  const body = parsed.value as Record<string, unknown>;
  return Object.keys(body).length === 1 && body['detail'] === 'Not Found';
}

/** One probe answer: its status and body. */
export interface ProbeAnswer {
  status: number;
  text: string;
}

/**
 * The layout the probe answers show: a route exists unless it answered the generic 404 (an
 * auth error, a client-not-found, even a 5xx say it does). `plain` only when it exists and
 * `v1` does not; `v1` otherwise, the documented layout.
 */
export function layoutFromProbe(v1: ProbeAnswer, plain: ProbeAnswer): RouteLayout {
  const exists = (a: ProbeAnswer) => !isGenericNotFound(a.status, a.text);
  return exists(plain) && !exists(v1) ? 'plain' : 'v1';
}
