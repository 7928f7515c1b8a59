import type { AutocompleteInteraction } from 'discord.js';
import type { ClientRecord } from '../../core/client.js';
import type { Directory } from '../../directory/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { OPTION_CLIENT } from './commands.js';
import { clip, plainLine } from './embed.js';
import { describeDiscordError } from './errors.js';

/** Autocomplete must answer within Discord's 3 s: the directory gets 1.5 s, the whole handler 2.2 s. */
const SUGGEST_TIMEOUT_MS = 1500;
const AUTOCOMPLETE_DEADLINE_MS = 2200;

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

/** Answers one autocomplete interaction: matching clients, or an empty list when the directory is slow or down. */
export async function answerAutocomplete(i: AutocompleteInteraction, deps: { directory: Directory; clock: Clock }, l: Logger): Promise<void> {
  const focused = i.options.getFocused(true);
  let choices: Choice[] = [];
  if (focused.name === OPTION_CLIENT) {
    const timer = new AbortController();
    try {
      const found = await Promise.race([
        deps.directory.suggest(String(focused.value).trim(), { limit: MAX_CHOICES, timeoutMs: SUGGEST_TIMEOUT_MS }),
        deps.clock.sleep(AUTOCOMPLETE_DEADLINE_MS, timer.signal).then(() => null),
      ]);
      if (found === null) l.warn('client suggestions too slow; answering an empty list');
      choices = toChoices(found ?? []);
    } catch (err) {
      l.warn({ err: describeDiscordError(err) }, 'client suggestions failed; answering an empty list');
    } finally {
      timer.abort();
    }
  }
  await i.respond(choices);
}
