import type { CheckState, DoneState } from '../core/check-state.js';
import type { ClientRecord } from '../core/client.js';
import type { CheckHandle } from '../core/ping-service.types.js';
import type { Directory } from '../directory/types.js';
import type { Locale } from '../present/locale.js';
import {
  ambiguousText,
  authRefusedText,
  helpText,
  mismatchText,
  notFoundText,
  renderCheck,
  targetErrorText,
  unavailableText,
} from '../present/render.js';
import type { View } from '../present/view.js';
import { parsePingCommand, type PingCommand } from './command.js';

/** Why a request did not start a check. */
export type RefusalReason = 'help' | 'invalid' | 'not_found' | 'ambiguous' | 'unavailable' | 'auth' | 'mismatch';

export type Prepared =
  | { ok: false; reason: RefusalReason; message: string }
  | { ok: true; serviceId: number; client: ClientRecord | null; packets: number | null };

/** What the words alone decide: a refusal (help, a typo), or the command to resolve. */
export type Parsed = { ok: false; reason: 'help' | 'invalid'; message: string } | { ok: true; command: Extract<PingCommand, { kind: 'ping' }> };

/** Parses what the person typed after `/ping`, without I/O: help and typos are answered from the words alone. */
export function parseCheck(text: string, locale: Locale, opts: { buttons?: boolean } = {}): Parsed {
  const command = parsePingCommand(text);
  switch (command.kind) {
    case 'help':
      return { ok: false, reason: 'help', message: helpText(locale, opts) };
    case 'invalid':
      return { ok: false, reason: 'invalid', message: targetErrorText(command.reason, locale) };
    case 'ping':
      return { ok: true, command };
  }
}

/** Resolves a parsed command to a service id and client card; a refusal carries the localized answer. */
export async function resolveCheck(command: Extract<PingCommand, { kind: 'ping' }>, deps: { directory: Directory }, locale: Locale, signal?: AbortSignal): Promise<Prepared> {
  const resolution = await deps.directory.resolve(command.target, signal ? { signal } : {});
  switch (resolution.kind) {
    case 'found':
      return { ok: true, serviceId: resolution.client.serviceId, client: resolution.client, packets: command.packets };
    case 'unverified':
      return { ok: true, serviceId: resolution.serviceId, client: null, packets: command.packets };
    case 'not_found':
      return { ok: false, reason: 'not_found', message: notFoundText(resolution.target, locale) };
    case 'ambiguous':
      return { ok: false, reason: 'ambiguous', message: ambiguousText(resolution.matches, locale) };
    case 'mismatch':
      return { ok: false, reason: 'mismatch', message: mismatchText(resolution.serviceId, resolution.answered, locale) };
    case 'unavailable':
      return resolution.fault.kind === 'auth'
        ? { ok: false, reason: 'auth', message: authRefusedText(locale) }
        : { ok: false, reason: 'unavailable', message: unavailableText(locale) };
  }
}

/**
 * Parses what the person typed after `/ping` and resolves it to a service id and client card;
 * a refusal carries the localized plain-text answer for that person.
 */
export async function prepareCheck(
  text: string,
  deps: { directory: Directory },
  locale: Locale,
  signal?: AbortSignal,
  opts: { buttons?: boolean } = {},
): Promise<Prepared> {
  const parsed = parseCheck(text, locale, opts);
  return parsed.ok ? resolveCheck(parsed.command, deps, locale, signal) : parsed;
}

/** Renders every state of a check as a View for `onView`, and resolves with the final state. */
export async function followCheck(
  handle: CheckHandle,
  client: ClientRecord | null,
  locale: Locale,
  onView: (view: View, state: CheckState) => void,
  opts: { now?: () => number } = {},
): Promise<DoneState> {
  const now = opts.now ?? Date.now;
  for await (const state of handle.states) {
    onView(renderCheck(state, client, locale, { now: now() }), state);
  }
  return handle.done;
}
