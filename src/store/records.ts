/**
 * What the store reads back from the JSON it keeps, checked field by field: the same rules for
 * every implementation (a row that does not parse is treated as missing).
 */
import { z } from 'zod';
import type { DoneState } from '../core/check-state.js';
import { API_VERDICTS } from '../core/verdict.js';

const nullableString = z.string().nullable();
const nullableNumber = z.number().finite().nullable();

/** A client card as written by `ClientCardPort.put`. */
export const cardSchema = z.object({
  serviceId: z.number().int().positive(),
  name: z.string(),
  document: nullableString,
  phone: nullableString,
  address: nullableString,
  city: nullableString,
  locality: nullableString,
  paymentStatus: nullableString,
  zoneId: nullableNumber,
  antennaIp: nullableString,
  cutOffDate: nullableString,
  outstandingBalance: nullableNumber,
  lanInterface: nullableString,
  planName: nullableString,
  planPrice: nullableNumber,
  technicianId: nullableNumber,
  // Cards stored before routers were known read as "no router".
  router: z.object({ id: z.number().int(), name: z.string(), generalFault: nullableString }).nullable().default(null),
  sector: z.object({ id: z.number().int(), name: z.string() }).nullable().default(null),
  zoneName: nullableString.default(null),
});

/** A duration model's weights (a histogram over bins). */
export const weightsSchema = z.array(z.number().finite().nonnegative()).min(2).max(10_000);

/** Weights as stored: six significant digits are plenty for beliefs and keep a row near 4 KB. */
export const weightsText = (weights: readonly number[]): string => JSON.stringify(weights.map((w) => Number(w.toPrecision(6))));

/** How often (in card time) stale cards are deleted: each put costs an indexed look-up anyway. */
export const CARD_PRUNE_EVERY_MS = 60_000;

/** How often stale cached verdicts are deleted (each put is a primary-key upsert anyway). */
export const RESULT_PRUNE_EVERY_MS = 3_600_000;

/** A verdict of the API as `ResultCachePort.put` wrote it: only real verdicts are cached. */
const verdictSchema = z.object({
  kind: z.literal('done'),
  serviceId: z.number().int().positive(),
  taskId: nullableString,
  verdict: z.enum(API_VERDICTS as [ApiVerdictWord, ...ApiVerdictWord[]]),
  message: nullableString,
  polls: z.number().int().nonnegative(),
  elapsedMs: z.number().finite().nonnegative(),
  reason: z.object({ kind: z.literal('verdict') }),
  cached: z.boolean(),
  lossPct: nullableNumber,
  rttMs: nullableNumber,
});
type ApiVerdictWord = (typeof API_VERDICTS)[number];

/** A cached verdict read back, or null when the row does not parse or names another client. */
export function storedVerdict(text: string, serviceId: number): DoneState | null {
  try {
    const parsed = verdictSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.serviceId === serviceId ? parsed.data : null;
  } catch {
    return null;
  }
}
