import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../src/core/errors.js';
import { mapWispHubClient, readClientPage, wispHubDate } from '../../../src/pingapi/wisphub/client-mapper.js';
import { findByDocument, findByPhone, searchClients } from '../../../src/pingapi/wisphub/client-search.js';
import { silentLogger } from '../../../src/util/logger.js';
import { bareClient } from '../../support/clients.js';

/** A client as WispHub's `GET /api/clientes/{id}/` answers it (the fields pingops reads, plus some it ignores). */
const WISPHUB_ANA = {
  id_servicio: 1001,
  usuario: 'ana.morales',
  nombre: 'Ana Morales',
  cedula: '1032456789',
  telefono: '+573104445566',
  direccion: 'Cra 12 #34-56',
  localidad: 'Centro',
  ciudad: 'Tunja',
  ip: '10.20.0.4',
  estado: 'Activo',
  fecha_corte: '2026-12-15',
  saldo: '0.00',
  plan_internet: { id: 2, nombre: 'Hogar 50M' },
  zona: { id: 4, nombre: 'Tunja Norte' },
  router: { id: 2, nombre: 'RB-2', ip: '190.14.24.1', falla_general: false, falla_general_descripcion: '' },
  sectorial: { id: 41, nombre: 'Sectorial Tunja 4' },
  tecnico: { id: 7, nombre: 'Pedro Técnico' },
  coordenadas: '5.53,-73.36',
};

describe('mapWispHubClient', () => {
  it('maps every field pingops uses, Spanish status word passed through', () => {
    expect(mapWispHubClient(WISPHUB_ANA)).toEqual({
      serviceId: 1001,
      name: 'Ana Morales',
      document: '1032456789',
      phone: '+573104445566',
      address: 'Cra 12 #34-56',
      city: 'Tunja',
      locality: 'Centro',
      paymentStatus: 'Activo',
      zoneId: 4,
      antennaIp: '10.20.0.4',
      cutOffDate: '2026-12-15',
      outstandingBalance: 0,
      lanInterface: null,
      planName: 'Hogar 50M',
      planPrice: null,
      technicianId: 7,
      router: { id: 2, name: 'RB-2', generalFault: null },
      sector: { id: 41, name: 'Sectorial Tunja 4' },
      zoneName: 'Tunja Norte',
    });
  });

  it.each([
    ['falla_general with a description', { falla_general: true, falla_general_descripcion: 'Corte de fibra' }, 'Corte de fibra'],
    ['falla_general without one', { falla_general: true, falla_general_descripcion: '' }, ''],
    ['falla_general, description missing', { falla_general: true }, ''],
    ['falla_general false', { falla_general: false, falla_general_descripcion: 'old text' }, null],
  ])('router %s', (_n, fault, want) => {
    const c = mapWispHubClient({ ...WISPHUB_ANA, router: { id: 2, nombre: 'RB-2', ...fault } });
    expect(c.router).toEqual({ id: 2, name: 'RB-2', generalFault: want });
  });

  it.each([
    ['estado Suspendido', { estado: 'Suspendido' }, { paymentStatus: 'Suspendido' }],
    ['id as a string', { id_servicio: '1001' }, { serviceId: 1001 }],
    ['no sectorial', { sectorial: null }, { sector: null }],
    ['no router', { router: null }, { router: null }],
    ['router without a name', { router: { id: 3 } }, { router: null }],
    ['no zona', { zona: null }, { zoneId: null, zoneName: null }],
    ['date as DD/MM/YYYY', { fecha_corte: '05/12/2026' }, { cutOffDate: '2026-12-05' }],
    ['impossible date', { fecha_corte: '2026-02-31' }, { cutOffDate: null }],
    ['saldo a number', { saldo: 45000 }, { outstandingBalance: 45000 }],
    ['saldo garbage', { saldo: 'n/a' }, { outstandingBalance: null }],
    ['no nombre: usuario', { nombre: '' }, { name: 'ana.morales' }],
    ['control characters stripped', { nombre: 'Ana\u0007 Morales' }, { name: 'Ana  Morales' }],
  ])('%s', (_n, over, want) => {
    expect(mapWispHubClient({ ...WISPHUB_ANA, ...over })).toMatchObject(want);
  });

  it.each([
    ['no id_servicio', { id_servicio: undefined }, /id_servicio/],
    ['id_servicio zero', { id_servicio: 0 }, /id_servicio/],
    ['no name at all', { nombre: null, usuario: null }, /nombre/],
  ])('%s is malformed, naming the field', (_n, over, message) => {
    expect(() => mapWispHubClient({ ...WISPHUB_ANA, ...over })).toThrow(TransientError);
    expect(() => mapWispHubClient({ ...WISPHUB_ANA, ...over })).toThrow(message);
  });
});

describe('readClientPage', () => {
  it('reads a DRF page and skips unreadable records', () => {
    const body = JSON.stringify({ count: 3, next: 'http://wisphub.example/api/clientes/?limit=3&offset=3', previous: null, results: [WISPHUB_ANA, { nombre: 'no id' }, { ...WISPHUB_ANA, id_servicio: 1002 }] });
    const page = readClientPage(200, body, silentLogger);
    expect(page.count).toBe(3);
    expect(page.items).toBe(3);
    expect(page.clients.map((c) => c.serviceId)).toEqual([1001, 1002]);
  });

  it.each([['<html>'], ['[]'], ['{"results":[]}'], ['{"count":1}'], ['{"count":-1,"results":[]}']])('%s is malformed', (body) => {
    expect(() => readClientPage(200, body, silentLogger)).toThrow('WispHub answered a page of clients that could not be read');
  });
});

describe('wispHubDate', () => {
  it.each([
    ['2026-12-15', '2026-12-15'],
    ['2026-12-15T00:00:00-05:00', '2026-12-15'],
    ['15/12/2026', '2026-12-15'],
    ['31/02/2026', null],
    ['15-12-2026', null],
    [20261215, null],
  ])('%j → %j', (input, want) => {
    expect(wispHubDate(input)).toBe(want);
  });
});

describe('look-ups on the cached list', () => {
  const list = [
    bareClient(1001, 'Ana Morales', { document: '1.032.456.789', phone: '+57 310 444 5566' }),
    bareClient(1006, 'Carlos Pérez', { document: '79111222', phone: '3201112233' }),
    bareClient(1007, 'Carlos Pérez', { document: '79111333', phone: null }),
    bareClient(1009, 'José Peña'),
  ];

  it.each([
    ['1032456789', 1001],
    ['1.032.456.789', 1001],
    ['79111333', 1007],
    ['999', null],
    ['', null],
  ])('document %s → %s', (doc, want) => {
    expect(findByDocument(list, doc)?.serviceId ?? null).toBe(want);
  });

  it.each([
    ['3104445566', 1001],
    ['+573104445566', 1001],
    ['310-444-5566', 1001],
    ['+57 320 111 2233', 1006],
    ['5566', null],
    ['3000000000', null],
  ])('phone %s → %s', (phone, want) => {
    expect(findByPhone(list, phone)?.serviceId ?? null).toBe(want);
  });

  it.each([
    ['carlos perez', [1006, 1007]],
    ['PÉREZ', [1006, 1007]],
    ['jose pena', [1009]],
    ['ana', [1001]],
    ['morales ana', [1001]],
    ['1007', [1007]],
    ['nadie', []],
    ['  ', []],
  ])('name %s → %j', (q, want) => {
    expect(searchClients(list, q).map((c) => c.serviceId)).toEqual(want);
  });
});
