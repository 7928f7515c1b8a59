/**
 * WispHub's payment status as a class. WispHub writes Spanish (`Activo`, `Suspendido`), the
 * middleware often English (`active`, `suspended`), in any case. Only a word known to mean
 * "service held for billing" raises a billing hold: an unknown word is shown as sent and
 * raises nothing, because a false hold sends a technician to the billing office for a real fault.
 */
export type PaymentClass = 'ok' | 'hold' | 'cancelled' | 'free' | 'unknown';

/** Every word we know, folded (lower case, no accents, spaces and dashes as `_`). */
export const PAYMENT_WORDS: Readonly<Record<string, Exclude<PaymentClass, 'unknown'>>> = {
  active: 'ok',
  activo: 'ok',
  activa: 'ok',
  al_dia: 'ok',
  paid: 'ok',
  pagado: 'ok',
  up_to_date: 'ok',
  suspended: 'hold',
  suspendido: 'hold',
  suspendida: 'hold',
  cut: 'hold',
  cut_off: 'hold',
  cortado: 'hold',
  cortada: 'hold',
  moroso: 'hold',
  morosa: 'hold',
  en_mora: 'hold',
  overdue: 'hold',
  delinquent: 'hold',
  blocked: 'hold',
  bloqueado: 'hold',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  cancelado: 'cancelled',
  cancelada: 'cancelled',
  retirado: 'cancelled',
  retired: 'cancelled',
  terminated: 'cancelled',
  free: 'free',
  gratis: 'free',
  gratuito: 'free',
  cortesia: 'free',
  courtesy: 'free',
};

/** `Al Día` → `al_dia`, `Suspendido ` → `suspendido`. */
export function foldPaymentWord(word: string): string {
  return word
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/gu, '_');
}

/** The class of a payment status word; null/blank and unknown words are `unknown`. */
export function classifyPaymentStatus(word: string | null): PaymentClass {
  if (word === null) return 'unknown';
  const folded = foldPaymentWord(word);
  return Object.hasOwn(PAYMENT_WORDS, folded) ? (PAYMENT_WORDS[folded] ?? 'unknown') : 'unknown';
}
