/**
 * Look-ups on WispHub's client list, which has no search by phone or document of its own:
 * pure matchers over the cached list.
 */
import type { ClientRecord } from '../../core/client.js';

/** Most clients a name search answers. */
export const MAX_SEARCH_RESULTS = 25;

/** Lower-case, accents and extra spaces removed: "  JOSÉ  Peña" and "jose pena" compare equal. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

const docKey = (s: string) => s.replace(/[.\s-]/g, '').toUpperCase();
const digits = (s: string) => s.replace(/\D/g, '');

/** The client with this document (dots, spaces and dashes ignored), or null. */
export function findByDocument(clients: readonly ClientRecord[], document: string): ClientRecord | null {
  const wanted = docKey(document);
  if (wanted === '') return null;
  return clients.find((c) => c.document !== null && docKey(c.document) === wanted) ?? null;
}

/** The client with this phone, with or without Colombia's +57, spaces or dashes; or null. */
export function findByPhone(clients: readonly ClientRecord[], phone: string): ClientRecord | null {
  const wanted = digits(phone);
  if (wanted.length < 7) return null;
  const national = (d: string) => (d.length === 12 && d.startsWith('57') ? d.slice(2) : d);
  return clients.find((c) => c.phone !== null && national(digits(c.phone)) === national(wanted)) ?? null;
}

/**
 * Clients whose name contains every word of `query` (case and accents ignored), or whose
 * service id, phone or document is the query; by service id, at most `limit`.
 */
export function searchClients(clients: readonly ClientRecord[], query: string, limit = MAX_SEARCH_RESULTS): ClientRecord[] {
  const q = fold(query);
  if (q === '') return [];
  const words = q.split(' ');
  const hits = clients.filter((c) => {
    const name = fold(c.name);
    if (words.every((w) => name.includes(w))) return true;
    return String(c.serviceId) === q || (c.document !== null && docKey(c.document) === docKey(q)) || (c.phone !== null && digits(q).length >= 7 && digits(c.phone).endsWith(digits(q)));
  });
  return [...hits].sort((a, b) => a.serviceId - b.serviceId).slice(0, limit);
}
