import type { ClientRecord } from '../../core/client.js';
import { clip, plainLine } from './embed.js';

/** One autocomplete choice as Discord takes it: name shown, value sent back as the option. */
export interface Choice {
  name: string;
  value: string;
}

/** Discord's limits: 25 choices, names and values of 1-100 chars. */
export const MAX_CHOICES = 25;
const MAX_CHOICE_CHARS = 100;

/**
 * Clients as choices "Ana Morales · 1001 · Cra 12 #34-56" with the service id as the value,
 * one per service id. Choice names are shown as plain text (no markdown, no mentions), so only
 * line breaks and control characters are flattened.
 */
export function toChoices(clients: readonly ClientRecord[]): Choice[] {
  const seen = new Set<number>();
  const choices: Choice[] = [];
  for (const c of clients) {
    if (choices.length >= MAX_CHOICES) break;
    if (seen.has(c.serviceId) || !Number.isInteger(c.serviceId) || c.serviceId <= 0) continue;
    seen.add(c.serviceId);
    const parts = [plainLine(c.name), String(c.serviceId), c.address ? plainLine(c.address) : ''].filter((p) => p !== '');
    choices.push({ name: clip(parts.join(' · '), MAX_CHOICE_CHARS), value: String(c.serviceId) });
  }
  return choices;
}
