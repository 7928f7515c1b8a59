/**
 * The NOC incident buttons, for every surface: Ack (anyone; names who, stops reminders),
 * Silence 1 h (PINGOPS_ADMINS and platform admins; others are told privately to ask one),
 * Check now (anyone, counted against their per-person limit like a /ping; a fresh check of the
 * incident's members at interactive priority, results in its thread). Every press passes the
 * access rules first (workspace, channel). Buttons carry the incident id, so they work after a restart.
 */
import type { PingChecker } from '../core/ping-service.types.js';
import type { NocStore } from '../noc/store.js';
import type { Incident } from '../noc/types.js';
import type { Watcher } from '../noc/watcher.js';
import { formatLossPct } from '../present/format.js';
import { hourMinute } from '../present/incident.js';
import type { Locale } from '../present/locale.js';
import { nocWords } from '../present/noc-words.js';
import { words } from '../present/words.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { NocChat } from './noc-notifier.js';
import type { Access } from './access.js';
import type { Person, PrivateAnswer } from './port.js';
import { refusalText } from './words.js';

export type NocAction = 'ack' | 'silence' | 'check';

/** One press of an incident button, as a surface maps it. */
export interface NocPress {
  action: NocAction;
  incidentId: number;
  person: Person;
  /** Where it was pressed (the channel rule); null where the surface has no channels. */
  channel: string | null;
  /** The surface it came from (`slack`, `discord`): people's limits are kept per surface. */
  surface: string;
  answer: PrivateAnswer;
}

/** What a surface is given for the NOC: where its port goes, and where presses go. */
export interface NocLink {
  attach: NocChat['attach'];
  press(p: NocPress): Promise<void>;
}

/** How long Silence holds. */
export const SILENCE_MS = 3_600_000;
/** Members checked by one Check now (down ones first). */
export const CHECK_NOW_MAX = 10;

export function createNocDesk(deps: {
  watcher: Watcher | null;
  store: NocStore;
  chat: NocChat;
  checker: PingChecker;
  /** The shared access rules (the same limiter as /ping). */
  access: Access;
  /** NOC_SLACK_CHANNEL, NOC_DISCORD_CHANNEL: where incidents live besides watch entries' own channels. */
  nocChannels: readonly string[];
  /** The NOC channel's language (thread replies); private answers use the person's. */
  locale: Locale;
  clock: Clock;
  logger: Logger;
}): NocLink {
  const log = deps.logger.child({ component: 'noc-buttons' });
  const checking = new Set<number>();

  const say = async (answer: PrivateAnswer, text: string) => {
    try {
      await answer(text);
    } catch (err) {
      log.warn({ err }, 'private answer failed');
    }
  };

  /** The channels incidents are posted in: the NOC channels and watch entries' own. */
  const nocChannels = async (): Promise<string[]> => {
    const own = (await deps.store.listWatches().catch(() => [])).map((w) => w.channel).filter((c): c is string => c !== null);
    return [...deps.nocChannels, ...own];
  };

  const findIncident = async (id: number): Promise<Incident | null> => {
    const open = deps.watcher?.status().open.find((i) => i.id === id);
    if (open) return open;
    const recent = await deps.store.incidents({ openOnly: false, limit: 500 }).catch(() => []);
    return recent.find((i) => i.id === id) ?? null;
  };

  const checkNow = async (incident: Incident, p: NocPress) => {
    const w = nocWords(deps.locale);
    const members = [...incident.members].sort((a, b) => Number(b.health === 'down') - Number(a.health === 'down')).slice(0, CHECK_NOW_MAX);
    if (members.length === 0) return say(p.answer, nocWords(p.person.locale).nothingToCheck);
    if (checking.has(incident.id)) return say(p.answer, nocWords(p.person.locale).checkNowBusy);
    checking.add(incident.id);
    try {
      log.info({ incident: incident.id, user: p.person.id, members: members.length }, 'check now');
      await deps.chat.replyInThreads(incident.id, w.checkNowStarted(p.person.name, members.length));
      const results = await Promise.all(
        members.map(async (m) => {
          const done = await deps.checker.check(m.serviceId, { priority: 'interactive', fresh: true }).done;
          const loss = done.lossPct !== null ? ` · ${formatLossPct(done.lossPct, deps.locale)} loss` : '';
          return `client-${m.serviceId} ${m.name}: ${words(deps.locale).headline[done.verdict]}${loss}`;
        }),
      );
      await deps.chat.replyInThreads(incident.id, w.checkNowResult(results.join('\n')));
    } finally {
      checking.delete(incident.id);
    }
  };

  return {
    attach: (port) => deps.chat.attach(port),
    async press(p) {
      const w = nocWords(p.person.locale);
      const watcher = deps.watcher;
      log.info({ action: p.action, incident: p.incidentId, user: p.person.id }, 'incident button');
      const rules = { surface: p.surface, channel: p.channel, now: deps.clock.now(), alsoIn: await nocChannels() };
      const refused = deps.access.admit(p.person, { ...rules, counts: false });
      if (refused) {
        log.info({ incident: p.incidentId, user: p.person.id, channel: p.channel, refused: refused.kind }, 'incident button refused');
        return say(p.answer, refusalText(refused, p.person.locale));
      }
      const incident = await findIncident(p.incidentId);
      if (!incident || incident.state === 'resolved') return say(p.answer, w.alreadyResolved);
      switch (p.action) {
        case 'ack': {
          if (!watcher) return say(p.answer, w.notRunning);
          if (incident.state === 'acked') return say(p.answer, w.alreadyAcked(incident.ackedBy ?? '?'));
          const acked = await watcher.ack(incident.id, p.person.name);
          if (!acked) return say(p.answer, w.alreadyResolved);
          return;
        }
        case 'silence': {
          if (!deps.access.isAdmin(p.person)) {
            log.info({ incident: incident.id, user: p.person.id }, 'silence refused: not an admin');
            return say(p.answer, w.askAdmin);
          }
          if (!watcher) return say(p.answer, w.notRunning);
          const until = deps.clock.now() + SILENCE_MS;
          const silenced = await watcher.silenceIncident(incident.id, p.person.name, until);
          if (!silenced) return say(p.answer, w.alreadyResolved);
          return say(p.answer, w.silenced(hourMinute(until)));
        }
        case 'check': {
          if (checking.has(incident.id)) return say(p.answer, w.checkNowBusy);
          // A press starts up to CHECK_NOW_MAX checks: it counts like a /ping against the person's limit.
          const limited = deps.access.admit(p.person, { ...rules, counts: true });
          if (limited) {
            log.info({ incident: incident.id, user: p.person.id, refused: limited.kind }, 'check now refused');
            return say(p.answer, refusalText(limited, p.person.locale));
          }
          return checkNow(incident, p);
        }
      }
    },
  };
}
