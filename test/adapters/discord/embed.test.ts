import { describe, expect, it } from 'vitest';
import {
  EMBED_LIMITS,
  TONE_COLOURS,
  clip,
  customIdFor,
  escapeDiscord,
  escapeEverything,
  parseCustomId,
  plainLine,
  toDiscordMessage,
  toTextMessage,
} from '../../../src/adapters/discord/embed.js';
import type { Tone, View } from '../../../src/present/view.js';

const base: View = {
  title: 'Ana Morales · 1001',
  status: 'Polling · attempt 2 · 3.1 s · next in 0.6 s',
  verdict: null,
  tone: 'running',
  fields: [
    { label: 'Service', value: '1001' },
    { label: 'Address', value: 'Cra 12 #34-56 · Centro · Tunja, a long enough address to need its own row' },
  ],
  meaning: null,
  warning: null,
  footer: 'task 3f2a9c · 3.1 s',
  buttons: [{ id: 'cancel', label: 'Cancel', style: 'danger' }],
  final: false,
  text: 'Ana Morales · 1001: Polling',
};
const ids = { conversationId: '0123456789abcdef' };
const embedTotal = (e: ReturnType<typeof toDiscordMessage>['embeds'][number]) =>
  e.title.length + e.description.length + (e.footer?.text.length ?? 0) + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);

describe('toDiscordMessage', () => {
  it.each<[Tone, number]>([
    ['running', 0x95a5a6],
    ['good', 0x2ecc71],
    ['warn', 0xf1a20b],
    ['bad', 0xe74c3c],
    ['critical', 0x992d22],
    ['neutral', 0x607d8b],
  ])('colours tone %s as %i', (tone, colour) => {
    expect(toDiscordMessage({ ...base, tone }, ids).embeds[0]?.color).toBe(colour);
    expect(TONE_COLOURS[tone]).toBe(colour);
  });

  it('maps a running view: status in bold, inline short fields, Cancel keyed by the check', () => {
    const msg = toDiscordMessage(base, ids);
    expect(msg.content).toBe('');
    expect(msg.allowedMentions).toEqual({ parse: [] });
    expect(msg.embeds[0]).toEqual({
      title: 'Ana Morales · 1001',
      description: '**Polling · attempt 2 · 3.1 s · next in 0.6 s**',
      color: TONE_COLOURS.running,
      fields: [
        { name: 'Service', value: '1001', inline: true },
        { name: 'Address', value: 'Cra 12 #34-56 · Centro · Tunja, a long enough address to need its own row', inline: false },
      ],
      footer: { text: 'task 3f2a9c · 3.1 s' },
    });
    expect(msg.components).toEqual([
      { type: 1, components: [{ type: 2, style: 4, label: 'Cancel', custom_id: 'pingops:cancel:0123456789abcdef' }] },
    ]);
  });

  it('maps a final view: warning before meaning, Re-run by service id, no footer when absent', () => {
    const msg = toDiscordMessage(
      {
        ...base,
        status: '🔴 No internet',
        tone: 'bad',
        verdict: 'no_internet',
        warning: 'Billing hold: payment status “suspended”',
        meaning: 'Nothing answers.',
        footer: null,
        buttons: [{ id: 'rerun', label: 'Re-run', style: 'primary' }],
        final: true,
      },
      ids,
    );
    expect(msg.embeds[0]?.description).toBe('**🔴 No internet**\n\n> ⚠️ **Billing hold: payment status “suspended”**\n\nNothing answers.');
    expect(msg.embeds[0]?.footer).toBeUndefined();
    expect(msg.components[0]?.components[0]).toEqual({ type: 2, style: 1, label: 'Re-run', custom_id: 'pingops:rerun:0123456789abcdef' });
  });

  it('sends an empty component list when there are no buttons, so an edit removes Cancel', () => {
    expect(toDiscordMessage({ ...base, buttons: [] }, ids).components).toEqual([]);
  });

  it('escapes every piece of outside text it renders', () => {
    const hostile = '*Pedro* <@123> @everyone [x](http://evil)';
    const msg = toDiscordMessage(
      { ...base, title: hostile, status: hostile, fields: [{ label: hostile, value: hostile }], meaning: hostile, warning: hostile },
      ids,
    );
    const e = msg.embeds[0];
    for (const text of [e?.title, e?.description, e?.fields[0]?.name, e?.fields[0]?.value]) {
      expect(text).toContain('\\*Pedro\\*');
      expect(text).toContain('\\<@123>');
      expect(text).not.toMatch(/@everyone/);
      expect(text).toContain('\\[x](http:\u200b//evil)');
    }
  });

  it('keeps within every embed limit however long the data', () => {
    const long = 'x'.repeat(5000);
    const msg = toDiscordMessage(
      {
        ...base,
        title: long,
        status: long,
        meaning: long,
        warning: long,
        footer: long,
        fields: Array.from({ length: 30 }, (_, i) => ({ label: `${i}${long}`, value: long })),
      },
      ids,
    );
    const e = msg.embeds[0];
    if (!e) throw new Error('no embed');
    expect(e.title.length).toBeLessThanOrEqual(EMBED_LIMITS.title);
    expect(e.description.length).toBeLessThanOrEqual(EMBED_LIMITS.description);
    expect(e.footer?.text.length).toBeLessThanOrEqual(EMBED_LIMITS.footer);
    expect(e.fields.length).toBeLessThanOrEqual(EMBED_LIMITS.fields);
    for (const f of e.fields) {
      expect(f.name.length).toBeLessThanOrEqual(EMBED_LIMITS.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(EMBED_LIMITS.fieldValue);
    }
    expect(embedTotal(e)).toBeLessThanOrEqual(EMBED_LIMITS.total);
    expect(e.description.startsWith('**xxx')).toBe(true);
  });

  it('never sends an empty field (Discord rejects them)', () => {
    const e = toDiscordMessage({ ...base, fields: [{ label: '', value: '' }] }, ids).embeds[0];
    expect(e?.fields[0]).toEqual({ name: '—', value: '—', inline: true });
  });
});

describe('escapeDiscord', () => {
  it.each([
    ['plain words stay', 'Ana Morales', 'Ana Morales'],
    ['markdown', '**bold** _it_ ~~s~~ ||spoiler|| `code`', '\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\`code\\`'],
    ['user mention', '<@123456789012345678>', '\\<@123456789012345678>'],
    ['role and channel mentions', '<@&1> <#2>', '\\<@&1> \\<#2>'],
    ['slash command mention', '</ping:1>', '\\</ping:1>'],
    ['everyone and here', '@everyone @HERE', '@\u200beveryone @\u200bHERE'],
    ['masked link', '[click](https://evil.example)', '\\[click](https:\u200b//evil.example)'],
    ['slack-style link', '<http://evil|link>', '\\<http:\u200b//evil|link>'],
    ['heading and list at line start', '# big\n- item\n1. one', '\\# big\n\\- item\n1\\. one'],
    ['backslash', 'a\\b', 'a\\\\b'],
  ])('%s', (_name, input, expected) => {
    expect(escapeDiscord(input)).toBe(expected);
  });

  it('skips only text that every escape leaves as it is (30,000 random texts of markdown, mention and list characters)', () => {
    // Characters every escape looks at, beside ones none does; a fixed seed, so a failure repeats.
    const alphabet = ['a', 'E', 'h', 'e', 'r', 'v', 'y', 'o', 'n', 'x', '1', '9', ' ', '  ', '-', '.', '#', '*', '_', '~', '|', '`', '\\', '[', ']', '(', ')', '<', '>', '@', ':', '/', '&', '\n', '\r', '\u2028', 'é', '·', '😀', 'everyone', 'here', 'https'];
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let skipped = 0;
    for (let n = 0; n < 30_000; n++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]);
      const text = parts.join('');
      const out = escapeDiscord(text);
      if (out === text) skipped++;
      expect(out, JSON.stringify(text)).toBe(escapeEverything(text));
    }
    // Both kinds were drawn: texts left as they are, and texts escaped.
    expect(skipped).toBeGreaterThan(1000);
    expect(skipped).toBeLessThan(29_000);
  });

  it.each(['Polling · attempt 2 · 3.1 s · next in 0.6 s', 'Ana Morales · 1001', 'Stable: 0 % loss, 12.5 ms'])('leaves a status or name with nothing to escape as it is: %s', (text) => {
    expect(escapeDiscord(text)).toBe(text);
  });
});

describe('clip and plainLine', () => {
  it.each([
    ['short text is untouched', 'abc', 5, 'abc'],
    ['long text gets an ellipsis within the limit', 'abcdef', 4, 'abc…'],
    ['a cut escape backslash is dropped', 'ab\\*cd', 4, 'ab…'],
    ['an escaped backslash pair is kept', 'a\\\\bcd', 4, 'a\\\\…'],
    ['a surrogate pair is not split', 'ab😀cd', 4, 'ab…'],
  ])('%s', (_name, input, max, expected) => {
    const out = clip(input, max);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });

  it('flattens control characters and line breaks', () => {
    expect(plainLine(' Ana\nMorales\t\u0007 · 1001 ')).toBe('Ana Morales · 1001');
  });
});

describe('custom ids', () => {
  it('round-trips both buttons', () => {
    expect(parseCustomId(customIdFor('cancel', ids))).toEqual({ kind: 'cancel', key: ids.conversationId });
    expect(parseCustomId(customIdFor('rerun', ids))).toEqual({ kind: 'rerun', conversationId: ids.conversationId, serviceId: null });
    // Re-run buttons posted before the store carry the service id.
    expect(parseCustomId('pingops:rerun:1001')).toEqual({ kind: 'rerun', conversationId: null, serviceId: 1001 });
  });

  it.each(['', 'pingops:rerun:abc', 'pingops:rerun:0', 'pingops:rerun:12345678901234', 'pingops:delete:1', 'other:cancel:1', 'pingops:cancel:'])(
    'rejects %j',
    (id) => {
      expect(parseCustomId(id)).toBeNull();
    },
  );
});

describe('toTextMessage', () => {
  it('escapes and forbids mentions in plain answers', () => {
    expect(toTextMessage('No client matches “<@1> @here”.')).toEqual({
      content: 'No client matches “\\<@1> @\u200bhere”.',
      allowedMentions: { parse: [] },
    });
  });
});
