import { describe, expect, it } from 'vitest';
import { createAccess, fromElsewhere, isAdmin, mayCancel, type Asker } from '../../src/chat/access.js';

const home = { id: 'G1', home: 'G1' };
const other = { id: 'G2', home: 'G1' };
const unset = { id: 'G1', home: null };

describe('who is an admin, and from where', () => {
  it.each([
    ['PINGOPS_ADMINS at home', { id: 'U1', workspace: home }, true],
    ['PINGOPS_ADMINS from another workspace', { id: 'U1', workspace: other }, false],
    ['platform admin at home', { id: 'U2', isAdmin: true, workspace: home }, true],
    ['platform admin of another workspace', { id: 'U2', isAdmin: true, workspace: other }, false],
    ['platform admin with no home configured (Discord without DISCORD_GUILD_ID)', { id: 'U2', isAdmin: true, workspace: unset }, false],
    ['PINGOPS_ADMINS with no home configured', { id: 'U1', workspace: unset }, true],
    ['platform admin of a DM (no guild) with a home configured', { id: 'U2', isAdmin: true, workspace: { id: null, home: 'G1' } }, false],
    ['the shell (no workspaces)', { id: 'local', isAdmin: true }, true],
    ['anyone', { id: 'U3', workspace: home }, false],
  ] as [string, Asker, boolean][])('%s → %s', (_, person, expected) => {
    expect(isAdmin(person, ['U1'])).toBe(expected);
  });

  it('refuses another workspace whole, and nobody without a home configured', () => {
    expect([home, other, unset].map((workspace) => fromElsewhere({ id: 'U', workspace }))).toEqual([false, true, false]);
    expect(mayCancel({ id: 'U3', workspace: other }, 'U3', [])).toBe(false);
    expect(mayCancel({ id: 'U3', workspace: home }, 'U3', [])).toBe(true);
  });
});

describe('createAccess: one limiter for every surface and button', () => {
  const access = createAccess({ allowedChannels: ['C1'], admins: ['UADMIN'], userRatePerMin: 6, adminRatePerMin: 30 });
  const ask = (person: Asker, channel: string | null, now: number, alsoIn: string[] = []) => access.admit(person, { surface: 'slack', channel, counts: true, now, alsoIn });

  it('checks the workspace, then the channel (plus the NOC channels given), then the rate', () => {
    expect(ask({ id: 'U1', workspace: other }, 'C1', 0)).toEqual({ kind: 'elsewhere' });
    expect(ask({ id: 'U1', workspace: home }, 'C2', 0)).toEqual({ kind: 'channel', allowed: ['C1'] });
    expect(ask({ id: 'U1', workspace: home }, 'CNOC', 0, ['CNOC'])).toBeNull();
  });

  it('six a minute for a person, thirty for an admin; the same person on another surface is another budget', () => {
    const fresh = createAccess({ allowedChannels: [], admins: ['UADMIN'], userRatePerMin: 6, adminRatePerMin: 30 });
    const take = (id: string, surface = 'slack') => fresh.admit({ id }, { surface, channel: 'C1', counts: true, now: 1000 });
    expect(Array.from({ length: 7 }, () => take('U1')?.kind ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'rate']);
    expect(take('U1', 'discord')).toBeNull();
    expect(Array.from({ length: 31 }, () => take('UADMIN')?.kind ?? 'ok').filter((k) => k === 'ok')).toHaveLength(30);
  });
});
