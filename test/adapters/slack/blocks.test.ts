import { describe, expect, it } from 'vitest';
import {
  ACTION_CANCEL,
  ACTION_RERUN,
  decodeButtonValue,
  encodeButtonValue,
  LIMITS,
  renderMention,
  renderSlackMessage,
  toneEmoji,
  type MessageKind,
} from '../../../src/adapters/slack/blocks.js';
import { escapeMrkdwn, safeMrkdwn, truncateEscaped } from '../../../src/adapters/slack/mrkdwn.js';
import { stripBotMention } from '../../../src/adapters/slack/slack-surface.js';
import { classifySlackError, isChannelAccessError, toEditorError } from '../../../src/adapters/slack/web.js';
import { RateLimitedError } from '../../../src/chat/live-message.types.js';
import type { View } from '../../../src/present/view.js';

const J = '\u2060';

describe('escapeMrkdwn', () => {
  it.each([
    ['Ana Morales', 'Ana Morales'],
    ['A & B', 'A &amp; B'],
    ['<!channel> hi', '&lt;!channel&gt; hi'],
    ['<!here>', '&lt;!here&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<http://evil.example|click here>', '&lt;http://evil.example|click here&gt;'],
    ['call @here now', `call @${J}here now`],
    ['@channel', `@${J}channel`],
    ['@Everyone!', `@${J}Everyone!`],
    ['mail ana@hereford.co', 'mail ana@hereford.co'],
    ['&amp; already', '&amp;amp; already'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });
});

describe('truncateEscaped', () => {
  it.each([
    ['short', 10, 'short'],
    ['abcdefghij', 5, 'abcd…'],
    // Never half an entity.
    ['ab&amp;cd', 5, 'ab…'],
    ['ab&lt;', 6, 'ab&lt;'],
    // Never half a surrogate pair.
    ['ab😀cd', 4, 'ab…'],
  ])('%j to %d → %j', (input, max, expected) => {
    expect(truncateEscaped(input, max)).toBe(expected);
  });

  it('bounds the escaped length, not the raw one', () => {
    const out = safeMrkdwn('<'.repeat(2000), 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out).toMatch(/^(&lt;)+…$/);
  });
});

const running: View = {
  title: '*Pedro* <!channel> · 1013',
  status: 'Polling · attempt 2 · 3.1 s · next in 0.6 s',
  verdict: null,
  tone: 'running',
  fields: [
    { label: 'Service', value: '1013' },
    { label: 'Address', value: 'Cl 9 <http://evil.example|click here> @here' },
    { label: 'Plan', value: '' },
  ],
  meaning: null,
  warning: 'Billing hold: payment status “suspended”',
  footer: 'task abc · 2 polls',
  buttons: [{ id: 'cancel', label: 'Cancel', style: 'danger' }],
  final: false,
  text: '*Pedro* <!channel> · 1013: Polling · attempt 2',
};

const done: View = {
  ...running,
  status: '✅ Stable connection',
  verdict: 'stable',
  tone: 'good',
  meaning: 'The customer’s device answers.',
  buttons: [{ id: 'rerun', label: 'Re-run', style: 'default' }],
  final: true,
  text: '*Pedro* <!channel> · 1013: ✅ Stable connection',
};

const ctx = { locale: 'en' as const, buttonValue: encodeButtonValue({ k: 'key1', s: 1013, p: null }) };
const types = (kind: MessageKind, v: View) => renderSlackMessage(v, kind, ctx).blocks.map((b) => b.type);

describe('renderSlackMessage', () => {
  it.each<[MessageKind, 'running' | 'final', string[]]>([
    // Root while running: headline + card + warning, no Cancel (the root is not edited while running).
    ['root', 'running', ['section', 'section', 'section']],
    ['root', 'final', ['section', 'section', 'section', 'section', 'actions']],
    ['status', 'running', ['section', 'section', 'context', 'actions']],
    ['status', 'final', ['section', 'section', 'section', 'context', 'actions']],
    ['full', 'running', ['section', 'section', 'section', 'context', 'actions']],
    ['full', 'final', ['section', 'section', 'section', 'section', 'context', 'actions']],
  ])('%s message of a %s view has the expected blocks', (kind, which, expected) => {
    expect(types(kind, which === 'final' ? done : running)).toEqual(expected);
  });

  it.each<MessageKind>(['root', 'status', 'full'])('%s: nothing hostile reaches the JSON unescaped', (kind) => {
    for (const view of [running, done]) {
      const m = renderSlackMessage(view, kind, ctx);
      const wire = JSON.stringify(m);
      expect(wire).not.toMatch(/<!|<http|<@/);
      expect(wire).not.toMatch(/@(here|channel|everyone)/);
      expect(m.text.length).toBeGreaterThan(0);
    }
  });

  it('keeps the root constant while running (so it costs no edits) and shows the verdict at the end', () => {
    const a = renderSlackMessage(running, 'root', ctx);
    const b = renderSlackMessage({ ...running, status: 'Polling · attempt 3', footer: 'task abc · 3 polls', tone: 'warn' }, 'root', ctx);
    expect(b).toEqual(a);
    expect(JSON.stringify(renderSlackMessage(done, 'root', ctx))).toContain('Stable connection');
    expect(JSON.stringify(a)).toContain(toneEmoji('running'));
    expect(JSON.stringify(renderSlackMessage(done, 'root', ctx))).toContain(toneEmoji('good'));
  });

  it.each([
    ['running', running, `${toneEmoji('running')} `],
    ['final', done, ''],
  ] as const)('status headline of a %s view leads with one emoji only', (_which, view, prefix) => {
    const first = renderSlackMessage(view, 'status', ctx).blocks[0];
    const text = first?.type === 'section' ? (first.text?.text ?? '') : '';
    expect(text.startsWith(prefix)).toBe(true);
    expect(text.startsWith(toneEmoji('running'))).toBe(!view.final);
  });

  it('maps buttons to our action ids with the encoded value', () => {
    const status = renderSlackMessage(running, 'status', ctx);
    const actions = status.blocks.at(-1);
    expect(actions).toMatchObject({ type: 'actions', elements: [{ action_id: ACTION_CANCEL, style: 'danger', value: ctx.buttonValue }] });
    const final = renderSlackMessage(done, 'status', ctx).blocks.at(-1);
    expect(final).toMatchObject({ type: 'actions', elements: [{ action_id: ACTION_RERUN, value: ctx.buttonValue }] });
    expect(JSON.stringify(final)).not.toContain('"style"');
  });

  it('marks every mrkdwn text verbatim and skips empty fields', () => {
    const m = renderSlackMessage(running, 'full', ctx);
    const json = JSON.stringify(m.blocks);
    expect(json).not.toContain('"verbatim":false');
    expect(json).toContain('"verbatim":true');
    expect(json).not.toContain('*Plan*');
  });

  it('respects Block Kit limits for huge input', () => {
    const huge = 'x'.repeat(10_000);
    const view: View = {
      ...done,
      title: huge,
      status: huge,
      meaning: huge,
      warning: huge,
      footer: huge,
      text: huge.repeat(5),
      fields: Array.from({ length: 30 }, (_, i) => ({ label: `L${i}${huge}`, value: huge })),
      buttons: [{ id: 'rerun', label: huge, style: 'primary' }],
    };
    for (const kind of ['root', 'status', 'full'] as const) {
      const m = renderSlackMessage(view, kind, ctx);
      expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
      expect(m.text.length).toBeLessThanOrEqual(LIMITS.text);
      for (const b of m.blocks) {
        if (b.type === 'section') {
          if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
          expect(b.fields?.length ?? 0).toBeLessThanOrEqual(LIMITS.fieldsPerSection);
          for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.field);
        }
        if (b.type === 'context') for (const e of b.elements) expect('text' in e ? e.text.length : 0).toBeLessThanOrEqual(LIMITS.contextElement);
        if (b.type === 'actions') for (const e of b.elements) expect(e.type === 'button' ? e.text.text.length : 0).toBeLessThanOrEqual(LIMITS.buttonText);
      }
    }
  });
});

describe('button values', () => {
  it('round-trips', () => {
    expect(decodeButtonValue(encodeButtonValue({ k: 'abc', s: 1001, p: 6 }))).toEqual({ k: 'abc', s: 1001, p: 6 });
  });

  it.each([undefined, '', 'junk', '<!channel>', '{"k":"a","s":-1,"p":null}', '{"k":"a","s":1.5,"p":null}', '{"k":"a","s":1001,"p":1000}', '{"s":1001}'])(
    'rejects %j',
    (v) => {
      expect(decodeButtonValue(v)).toBeNull();
    },
  );
});

describe('renderMention', () => {
  it.each([
    ['U123', 'Ana: ✅ Stable', '<@U123> Ana: ✅ Stable'],
    ['U123', '<!channel> @here', `<@U123> &lt;!channel&gt; @${J}here`],
    ['U1>|<!here', 'x', '<@U1here> x'],
  ])('%s + %j → %j', (user, notice, expected) => {
    expect(renderMention(user, notice)).toBe(expected);
  });
});

describe('stripBotMention', () => {
  it.each([
    ['<@UBOT> ping 1001', 'UBOT', 'ping 1001'],
    ['<@UBOT|pingops> 1001 6', 'UBOT', '1001 6'],
    ['hey <@UBOT>  ping 1001', 'UBOT', 'hey ping 1001'],
    ['ping 1001', 'UBOT', 'ping 1001'],
    ['<@UBOT> ping 1001', undefined, 'ping 1001'],
  ])('%j → %j', (text, bot, expected) => {
    expect(stripBotMention(text, bot)).toBe(expected);
  });
});

describe('Web API errors', () => {
  const coded = (code: string, extra: object) => Object.assign(new Error(code), { code, ...extra });
  it.each([
    [coded('slack_webapi_rate_limited_error', { retryAfter: 7 }), { kind: 'rate_limited', retryAfterMs: 7000 }],
    [coded('slack_webapi_platform_error', { data: { ok: false, error: 'not_in_channel' } }), { kind: 'platform', error: 'not_in_channel' }],
    [new Error('socket hang up'), { kind: 'other', message: 'socket hang up' }],
    ['weird', { kind: 'other', message: 'weird' }],
  ])('classifies %s', (err, expected) => {
    expect(classifySlackError(err)).toEqual(expected);
  });

  it('maps a Web API 429 to RateLimitedError for LiveMessage', () => {
    const e = toEditorError(coded('slack_webapi_rate_limited_error', { retryAfter: 3 }));
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).retryAfterMs).toBe(3000);
    const other = new Error('x');
    expect(toEditorError(other)).toBe(other);
  });

  it.each([
    ['not_in_channel', true],
    ['channel_not_found', true],
    ['is_archived', true],
    ['invalid_blocks', false],
  ])('%s is a channel access error: %s', (error, expected) => {
    expect(isChannelAccessError({ kind: 'platform', error })).toBe(expected);
  });
});
