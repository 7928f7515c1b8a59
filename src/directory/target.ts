import type { ParsedTarget, Target, TargetError } from './types.js';

/** Longest input we look at; anything longer is not a client. */
export const TARGET_MAX_CHARS = 100;
/** WispHub service ids are positive 32-bit integers. */
export const SERVICE_ID_MAX = 2 ** 31 - 1;

const PHONE_MIN_DIGITS = 7;
const PHONE_MAX_DIGITS = 15;

/** `client-1001`, `cliente 1001`, `id:1001`, `servicio#1001`, `#1001`, `1001`. */
const SERVICE_ID_RE = /^(?:(?:client|cliente|id|service|servicio)\s*[-:#_]?\s*|#\s*)?(\d+)$/iu;
/** `tel:`, `phone:`, `cel:` followed by a phone that may start with `+`. */
const PHONE_PREFIX_RE = /^(?:tel|phone|cel|celular|telefono|teléfono)\s*[:]\s*(\+?[\d\s().-]+)$/iu;
/** A phone as typed with its country code. */
const PLUS_PHONE_RE = /^\+[\d\s().-]+$/u;
/** Digit groups as a phone is written locally: `310 444 5566`, `(310) 444-5566`. */
const GROUPED_DIGITS_RE = /^[\d(][\d\s().-]*\d$/u;
/** `doc:`, `cc:`, `nit:`, … followed by the document number (dots are thousands separators). */
const DOCUMENT_RE = /^(?:doc|documento|cc|ce|ti|nit|dni|pp|pasaporte|passport)\s*:\s*([\p{L}\d.-]+)$/iu;
/** Letters (any script, accents, ñ), spaces, dots, apostrophes (straight or curly) and dashes. */
const NAME_RE = /^[\p{L}\p{M}][\p{L}\p{M} .'’-]*$/u;
/** Control and invisible formatting characters (zero-width, bidi overrides), other than ordinary whitespace. */
const CONTROL_RE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** Whitespace we accept and collapse (a pasted tab or newline is not hostile). */
const PLAIN_WS_RE = /[\t\n\r]/gu;
/** Web addresses, even without a scheme: a name never looks like `example.com`. */
const URL_RE = /(?:[a-z][a-z0-9+.-]*:\/\/|\bwww\.|\.(?:com|net|org|co|io|info|biz|me|app|dev|xyz|ly|gg|sh|ru|cn)\b)/iu;

const fail = (error: TargetError): ParsedTarget => ({ ok: false, error });
const ok = (target: Target): ParsedTarget => ({ ok: true, target });

function digitsOf(text: string): string {
  return text.replace(/\D/gu, '');
}

function serviceId(digits: string): ParsedTarget {
  // Compare by length first: Number() of a 30-digit string is imprecise.
  const trimmed = digits.replace(/^0+/u, '');
  if (trimmed.length === 0 || trimmed.length > 10) return fail('bad_id');
  const n = Number(trimmed);
  return n >= 1 && n <= SERVICE_ID_MAX ? ok({ kind: 'service_id', serviceId: n }) : fail('bad_id');
}

function phone(text: string, plus: boolean): ParsedTarget | null {
  const digits = digitsOf(text);
  if (digits.length < PHONE_MIN_DIGITS || digits.length > PHONE_MAX_DIGITS) return null;
  return ok({ kind: 'phone', phone: `${plus ? '+' : ''}${digits}` });
}

/**
 * What a person typed, as a target: a service id, a phone, a document or a name. Anything
 * that could smuggle a command, a mention or a link into a request or a chat message is
 * rejected here, before any request is made.
 */
export function parseTarget(input: string): ParsedTarget {
  const normalised = input.normalize('NFC').replace(PLAIN_WS_RE, ' ').trim();
  if (normalised === '') return fail('empty');
  if (Array.from(normalised).length > TARGET_MAX_CHARS) return fail('too_long');
  if (CONTROL_RE.test(normalised)) return fail('invalid_chars');
  const text = normalised.replace(/\s+/gu, ' ');
  if (URL_RE.test(text)) return fail('invalid_chars');

  const id = SERVICE_ID_RE.exec(text);
  if (id?.[1] !== undefined) return serviceId(id[1]);

  const prefixed = PHONE_PREFIX_RE.exec(text);
  if (prefixed?.[1] !== undefined) return phone(prefixed[1], prefixed[1].trimStart().startsWith('+')) ?? fail('invalid_chars');
  if (PLUS_PHONE_RE.test(text)) return phone(text, true) ?? fail('invalid_chars');

  const doc = DOCUMENT_RE.exec(text);
  if (doc?.[1] !== undefined) {
    // Dots are thousands separators in a cédula; a dash (NIT check digit) is kept.
    const document = doc[1].replace(/\./gu, '');
    if (!/\d/u.test(document) || !/^[\p{L}\d][\p{L}\d-]*$/u.test(document) || document.length > 30) return fail('invalid_chars');
    return ok({ kind: 'document', document });
  }

  if (GROUPED_DIGITS_RE.test(text)) return phone(text, false) ?? fail('bad_id');

  if (NAME_RE.test(text)) {
    const letters = text.match(/\p{L}/gu)?.length ?? 0;
    return letters >= 2 ? ok({ kind: 'name', query: text }) : fail('invalid_chars');
  }
  return fail('invalid_chars');
}

/** A cache key for a target. It carries personal data (phones, names): never log it. */
export function targetKey(target: Target): string {
  switch (target.kind) {
    case 'service_id':
      return `id:${target.serviceId}`;
    case 'phone':
      return `phone:${target.phone}`;
    case 'document':
      return `doc:${target.document.toUpperCase()}`;
    case 'name':
      return `name:${foldText(target.query)}`;
  }
}

/**
 * Text folded for comparison: accents stripped, lower case, whitespace collapsed, so
 * "José  PÉREZ" and "jose perez" are the same name.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}
