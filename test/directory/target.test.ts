import { describe, expect, it } from 'vitest';
import { foldText, parseTarget, targetKey } from '../../src/directory/target.js';
import type { ParsedTarget, TargetError } from '../../src/directory/types.js';

const id = (serviceId: number): ParsedTarget => ({ ok: true, target: { kind: 'service_id', serviceId } });
const phone = (p: string): ParsedTarget => ({ ok: true, target: { kind: 'phone', phone: p } });
const doc = (d: string): ParsedTarget => ({ ok: true, target: { kind: 'document', document: d } });
const name = (query: string): ParsedTarget => ({ ok: true, target: { kind: 'name', query } });
const err = (error: TargetError): ParsedTarget => ({ ok: false, error });

describe('parseTarget', () => {
  const rows: [string, ParsedTarget][] = [
    // service ids, every spelling
    ['1001', id(1001)],
    ['  1001  ', id(1001)],
    ['client-1001', id(1001)],
    ['CLIENT-1001', id(1001)],
    ['Cliente-1001', id(1001)],
    ['cliente 1001', id(1001)],
    ['client1001', id(1001)],
    ['#1001', id(1001)],
    ['id:1001', id(1001)],
    ['ID: 1001', id(1001)],
    ['servicio-42', id(42)],
    ['007', id(7)],
    ['2147483647', id(2147483647)],
    ['2147483648', err('bad_id')],
    ['0', err('bad_id')],
    ['client-0', err('bad_id')],
    ['#99999999999999999999999', err('bad_id')],
    ['3104445566', err('bad_id')],
    // phones
    ['+57 310 444 5566', phone('+573104445566')],
    ['+573104445566', phone('+573104445566')],
    ['+57 (310) 444-55.66', phone('+573104445566')],
    ['tel:3104445566', phone('3104445566')],
    ['TEL: +57 310 444 5566', phone('+573104445566')],
    ['phone:310-444-5566', phone('3104445566')],
    ['310 444 5566', phone('3104445566')],
    ['(310) 444-5566', phone('3104445566')],
    ['+57 31', err('invalid_chars')],
    ['tel:123', err('invalid_chars')],
    ['+1234567890123456', err('invalid_chars')],
    ['12-34', err('bad_id')],
    // documents
    ['doc:1032456789', doc('1032456789')],
    ['DOC: 1032456789', doc('1032456789')],
    ['cc:1.032.456.789', doc('1032456789')],
    ['CC:1.032.456.789', doc('1032456789')],
    ['nit:900123456-1', doc('900123456-1')],
    ['ce:AB123456', doc('AB123456')],
    ['doc:abc', err('invalid_chars')],
    ['doc:123;ls', err('invalid_chars')],
    // names
    ['Ana Morales', name('Ana Morales')],
    ['  Ana    Morales  ', name('Ana Morales')],
    ['Ana\tMorales', name('Ana Morales')],
    ['José Peña', name('José Peña')],
    ['Jose\u0301 Pen\u0303a', name('José Peña')], // decomposed accents become composed
    ["María O'Brien", name("María O'Brien")],
    ['Ana M. Morales-Ruiz', name('Ana M. Morales-Ruiz')],
    ['ÑAÑEZ', name('ÑAÑEZ')],
    ['client-abc', name('client-abc')],
    ['Al', name('Al')],
    ['A', err('invalid_chars')],
    ['A.', err('invalid_chars')],
    ["'--", err('invalid_chars')],
    // empty and long
    ['', err('empty')],
    ['   \t  ', err('empty')],
    ['a'.repeat(100), name('a'.repeat(100))],
    ['a'.repeat(101), err('too_long')],
    ['x'.repeat(500), err('too_long')],
    // hostile
    ['1001; rm -rf /', err('invalid_chars')],
    ['1001 && reboot', err('invalid_chars')],
    ['$(reboot)', err('invalid_chars')],
    ['`reboot`', err('invalid_chars')],
    ['Ana | cat /etc/passwd', err('invalid_chars')],
    ['<!channel>', err('invalid_chars')],
    ['<!here>', err('invalid_chars')],
    ['<@U012ABCDEF>', err('invalid_chars')],
    ['@everyone', err('invalid_chars')],
    ['@here', err('invalid_chars')],
    ['Ana <http://evil.example|click>', err('invalid_chars')],
    ['http://evil.example', err('invalid_chars')],
    ['https://10.0.0.1/ping', err('invalid_chars')],
    ['www.example', err('invalid_chars')],
    ['evil.com', err('invalid_chars')],
    ['1001\u0000', err('invalid_chars')],
    ['Ana\u0000Morales', err('invalid_chars')],
    ['Ana\u202eMorales', err('invalid_chars')], // right-to-left override
    ['Ana\u200bMorales', err('invalid_chars')], // zero-width space
    ['Ana\u001b[31m', err('invalid_chars')],
    ['📡 Ana', err('invalid_chars')],
    ['🔥'.repeat(60), err('invalid_chars')], // 60 characters, though 120 UTF-16 units
    ['🔥'.repeat(101), err('too_long')],
    ['Ana*', err('invalid_chars')],
    ['Ana?', err('invalid_chars')],
    ['Ana!', err('invalid_chars')],
    ['~root', err('invalid_chars')],
    ['"Ana"', err('invalid_chars')],
    ['{1001}', err('invalid_chars')],
    ['[1001]', err('invalid_chars')],
    ['a\\b', err('invalid_chars')],
    ['1001^2', err('invalid_chars')],
    ['../../etc/passwd', err('invalid_chars')],
    ['Ana_Morales', err('invalid_chars')],
    ['100%', err('invalid_chars')],
  ];

  it.each(rows)('%j', (input, expected) => {
    expect(parseTarget(input)).toEqual(expected);
  });

  it('never accepts a target that carries a chat or shell metacharacter', () => {
    const meta = [';', '|', '&', '$', '`', '<', '>', '{', '}', '[', ']', '\\', '*', '?', '!', '~', '^', '"', '@', '/'];
    for (const ch of meta) {
      for (const input of [`1001${ch}`, `Ana ${ch}Morales`, `tel:310444${ch}5566`, `doc:10${ch}32`]) {
        const parsed = parseTarget(input);
        expect(parsed.ok, `${input} should be rejected`).toBe(false);
      }
    }
  });
});

describe('foldText and targetKey', () => {
  it.each([
    ['José  PÉREZ', 'jose perez'],
    ['Ñañez', 'nanez'],
    ['  ana\tmorales ', 'ana morales'],
  ])('folds %j to %j', (input, folded) => {
    expect(foldText(input)).toBe(folded);
  });

  it('gives one cache key to names that differ only in accents, case or spacing', () => {
    expect(targetKey({ kind: 'name', query: 'José Pérez' })).toBe(targetKey({ kind: 'name', query: 'jose  perez' }));
    expect(targetKey({ kind: 'service_id', serviceId: 1001 })).toBe('id:1001');
    expect(targetKey({ kind: 'document', document: 'ab123' })).toBe(targetKey({ kind: 'document', document: 'AB123' }));
  });
});
