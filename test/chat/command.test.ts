import { describe, expect, it } from 'vitest';
import { parsePingCommand, type PingCommand } from '../../src/chat/command.js';
import type { Target } from '../../src/directory/types.js';

const ping = (target: Target, packets: number | null = null): PingCommand => ({ kind: 'ping', target, packets });
const invalid = (reason: Extract<PingCommand, { kind: 'invalid' }>['reason']): PingCommand => ({ kind: 'invalid', reason });
const help: PingCommand = { kind: 'help' };

describe('parsePingCommand', () => {
  const rows: [string, PingCommand][] = [
    ['1001', ping({ kind: 'service_id', serviceId: 1001 })],
    ['client-1001', ping({ kind: 'service_id', serviceId: 1001 })],
    ['1001 6', ping({ kind: 'service_id', serviceId: 1001 }, 6)],
    ['client-1001 6', ping({ kind: 'service_id', serviceId: 1001 }, 6)],
    ['#1001   20', ping({ kind: 'service_id', serviceId: 1001 }, 20)],
    ['1001 1', ping({ kind: 'service_id', serviceId: 1001 }, 1)],
    ['1001 0', invalid('bad_packets')],
    ['1001 21', invalid('bad_packets')],
    ['1001 500', invalid('bad_packets')],
    ['310 4445566', ping({ kind: 'phone', phone: '3104445566' })],
    ['3104445566 4', invalid('bad_id')],
    ['1234567 5', ping({ kind: 'service_id', serviceId: 1234567 }, 5)],
    ['Ana Morales', ping({ kind: 'name', query: 'Ana Morales' })],
    ['Ana Morales 6', ping({ kind: 'name', query: 'Ana Morales' }, 6)],
    ['Ana Morales 50', invalid('bad_packets')],
    ['doc:1032456789 4', ping({ kind: 'document', document: '1032456789' }, 4)],
    ['cc:1.032.456.789', ping({ kind: 'document', document: '1032456789' })],
    // a phone's digit groups stay the phone
    ['+57 310 444 5566', ping({ kind: 'phone', phone: '+573104445566' })],
    ['+57 310 444 55 66', ping({ kind: 'phone', phone: '+573104445566' })],
    ['310 444 5566', ping({ kind: 'phone', phone: '3104445566' })],
    ['tel:3104445566', ping({ kind: 'phone', phone: '3104445566' })],
    // mentions: the command word is dropped
    ['ping 1001 6', ping({ kind: 'service_id', serviceId: 1001 }, 6)],
    ['PING Ana Morales', ping({ kind: 'name', query: 'Ana Morales' })],
    ['  ping   +57 310 444 5566 ', ping({ kind: 'phone', phone: '+573104445566' })],
    ['/ping 1001', ping({ kind: 'service_id', serviceId: 1001 })],
    ['pinger', ping({ kind: 'name', query: 'pinger' })],
    // help
    ['help', help],
    ['HELP', help],
    ['ayuda', help],
    ['?', help],
    ['ping help', help],
    ['  ayuda ', help],
    // empty and broken
    ['', invalid('empty')],
    ['   ', invalid('empty')],
    ['ping', invalid('empty')],
    ['ping   ', invalid('empty')],
    ['2147483648', invalid('bad_id')],
    ['2147483648 4', invalid('bad_id')],
    ['1001; rm -rf / 4', invalid('invalid_chars')],
    ['$(reboot) 4', invalid('invalid_chars')],
    ['<!channel> 1001', invalid('invalid_chars')],
    ['<@U012ABCDEF> 1001', invalid('invalid_chars')],
    ['1001\u0000 4', invalid('invalid_chars')],
    ['x'.repeat(500), invalid('too_long')],
    // what follows the id is what is wrong, not the id
    ['1001 -1', invalid('bad_packets')],
    ['1001 1.5', invalid('bad_packets')],
    ['1001 2,5', invalid('bad_packets')],
    ['client-1001 +3', invalid('bad_packets')],
    ['1001 6 7', invalid('extra_numbers')],
    ['1001 1002', invalid('one_client')],
    ['#1001 1002', invalid('one_client')],
    ['444 5566', ping({ kind: 'phone', phone: '4445566' })],
    ['6 7', ping({ kind: 'service_id', serviceId: 6 }, 7)],
  ];

  it.each(rows)('%j', (text, expected) => {
    expect(parsePingCommand(text)).toEqual(expected);
  });
});
