import { describe, expect, it } from 'vitest';
import { firstAnswer } from '../../../src/adapters/discord/first-answer.js';

describe('firstAnswer: what a /ping is answered with before any I/O', () => {
  it.each([
    // A check unless the look-up refuses it: public at once, the card replaces the "thinking…".
    { text: '1001', expected: { kind: 'defer', visibility: 'public' } },
    { text: '1001 5', expected: { kind: 'defer', visibility: 'public' } },
    { text: 'Ana Morales', expected: { kind: 'defer', visibility: 'public' } },
    { text: '310 444 5566', expected: { kind: 'defer', visibility: 'public' } },
    // Always private, but behind a look-up.
    { text: 'history 1001', expected: { kind: 'defer', visibility: 'private' } },
    { text: 'historial Ana', expected: { kind: 'defer', visibility: 'private' } },
    // Answered from the words alone: the engine's ephemeral reply comes first.
    { text: 'help', expected: { kind: 'reply' } },
    { text: 'ayuda', expected: { kind: 'reply' } },
    { text: '1001 1002', expected: { kind: 'reply' } },
    { text: '1001 -1', expected: { kind: 'reply' } },
    { text: '   ', expected: { kind: 'reply' } },
    { text: 'history', expected: { kind: 'reply' } },
    { text: 'history help', expected: { kind: 'reply' } },
  ])('$text -> $expected', ({ text, expected }) => {
    expect(firstAnswer(text)).toEqual(expected);
  });
});
