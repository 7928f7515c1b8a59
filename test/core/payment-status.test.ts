import { describe, expect, it } from 'vitest';
import { classifyPaymentStatus } from '../../src/core/payment-status.js';
import { billingHold } from '../../src/present/render.js';
import { ANA_MORALES } from '../support/clients.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');

describe('classifyPaymentStatus: WispHub and middleware words, Spanish and English, any case', () => {
  it.each([
    ['Activo', 'ok'],
    ['activo', 'ok'],
    ['active', 'ok'],
    ['ACTIVE', 'ok'],
    [' Al Día ', 'ok'],
    ['Suspendido', 'hold'],
    ['suspended', 'hold'],
    ['cortado', 'hold'],
    ['cut', 'hold'],
    ['Moroso', 'hold'],
    ['en mora', 'hold'],
    ['Cancelado', 'cancelled'],
    ['cancelled', 'cancelled'],
    ['Retirado', 'cancelled'],
    ['Gratis', 'free'],
    ['free', 'free'],
    ['Cortesía', 'free'],
    ['degraded', 'unknown'],
    ['', 'unknown'],
    [null, 'unknown'],
    ['constructor', 'unknown'],
  ] as const)('%j is %s', (word, cls) => {
    expect(classifyPaymentStatus(word)).toBe(cls);
  });
});

describe('billing hold from the payment class (issue 8)', () => {
  const withStatus = (paymentStatus: string) => ({ ...ANA_MORALES, paymentStatus, cutOffDate: '2026-12-15' });

  it.each([
    ['activo', 'none'],
    ['Activo', 'none'],
    ['Gratis', 'none'],
    ['Cancelado', 'none'],
    ['something new', 'none'],
    ['Suspendido', 'suspended'],
    ['moroso', 'suspended'],
  ])('%j raises %s', (status, kind) => {
    expect(billingHold(withStatus(status), NOW).kind).toBe(kind);
  });
});
