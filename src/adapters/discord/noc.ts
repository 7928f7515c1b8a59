/**
 * `/noc` on Discord: its subcommands and options are turned into the words the NOC's own
 * handler reads (the same as Slack's `/noc ...` text), and target and scope autocomplete
 * comes from the NOC (all, routers, zones, clients).
 */
import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import type { NocCommands } from '../../chat/noc-commands.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { MAX_CHOICES } from './autocomplete.js';
import { NOC_SCOPE, NOC_TARGET } from './commands.js';
import { clip, plainLine } from './embed.js';
import { describeDiscordError } from './errors.js';

/** Autocomplete answers within Discord's 3 s. */
const AUTOCOMPLETE_DEADLINE_MS = 2200;

/** The options of one `/noc` invocation, as read from the interaction. */
export interface NocOptions {
  group: string | null;
  sub: string;
  get(name: string): string | null;
  channelId: string | null;
}

/** `/noc watch add target:router:12 every:2m channel:#noc` → `watch add router:12 every 2m <#123>`. */
export function nocText(o: NocOptions): string {
  const word = (name: string) => (o.get(name) ?? '').trim();
  switch (`${o.group ?? ''} ${o.sub}`.trim()) {
    case 'status':
      return 'status';
    case 'watch add': {
      const every = word('every');
      return `watch add ${word(NOC_TARGET)}${every ? ` every ${every}` : ''}${o.channelId ? ` <#${o.channelId}>` : ''}`;
    }
    case 'watch remove':
      return `watch remove ${word(NOC_TARGET)}`;
    case 'watch list':
      return 'watch list';
    case 'silence': {
      const reason = word('reason');
      return `silence ${word(NOC_SCOPE)} ${word('duration')}${reason ? ` ${reason}` : ''}`;
    }
    case 'unsilence':
      return `unsilence ${word(NOC_SCOPE)}`;
    default:
      return 'help';
  }
}

export function nocOptionsOf(i: ChatInputCommandInteraction): NocOptions {
  return {
    group: i.options.getSubcommandGroup(false),
    sub: i.options.getSubcommand(true),
    get: (name) => i.options.getString(name, false),
    channelId: i.options.getChannel('channel', false)?.id ?? null,
  };
}

/** Answers autocomplete for `/noc`'s target and scope: `all`, routers, zones and clients. */
export async function answerNocAutocomplete(i: AutocompleteInteraction, noc: NocCommands | null, clock: Clock, l: Logger): Promise<void> {
  const focused = i.options.getFocused(true);
  let choices: { name: string; value: string }[] = [];
  if (noc && (focused.name === NOC_TARGET || focused.name === NOC_SCOPE)) {
    const timer = new AbortController();
    try {
      const found = await Promise.race([noc.suggest(String(focused.value), { limit: MAX_CHOICES }), clock.sleep(AUTOCOMPLETE_DEADLINE_MS, timer.signal).then(() => null)]);
      if (found === null) l.warn('noc suggestions too slow; answering an empty list');
      // A silence names a client as client:N; a watch entry takes the bare id too.
      choices = (found ?? []).map((c) => ({ name: clip(plainLine(c.name), 100), value: focused.name === NOC_SCOPE && /^\d+$/.test(c.value) ? `client:${c.value}` : c.value }));
    } catch (err) {
      l.warn({ err: describeDiscordError(err) }, 'noc suggestions failed; answering an empty list');
    } finally {
      timer.abort();
    }
  }
  await i.respond(choices);
}
