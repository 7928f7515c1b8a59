import { describe, expect, it } from 'vitest';
import { sanitizeOutsideText } from '../../src/util/outside-text.js';

describe('sanitizeOutsideText', () => {
  it.each([
    ['plain', 'Ana Morales', 'Ana Morales'],
    ['right-to-left override (renders reversed)', 'Ana \u202eselaroM\u202c', 'Ana selaroM'],
    ['embeddings and isolates', '\u202aa\u202b\u202c\u2066b\u2067c\u2068\u2069', 'abc'],
    ['directional marks', 'x\u200ey\u200fz\u061c', 'xyz'],
    ['zero-width characters and BOM', '\ufeffA\u200bn\u200ca\u200d\u2060', 'Ana'],
    ['controls become spaces, newline, CR and tab too (one line)', 'a\u0000b\u0007c\nd\te\u007ff\u0085g\r\nh', 'a b c d e f g  h'],
    ['a forged log line stays on its own line', 'evil\n{"level":60,"msg":"hacked"}', 'evil {"level":60,"msg":"hacked"}'],
    ['Unicode line and paragraph separators become spaces', 'a\u2028b\u2029c', 'a b c'],
    ['escape sequences go whole', 'Eve\u001b[2J\u001b]0;pwned\u0007 Mallory\u009b31m', 'Eve Mallory'],
    ['markup is kept (the adapter escapes it)', '*Ana* _x_ ~y~ <!here>', '*Ana* _x_ ~y~ <!here>'],
    ['accents and emoji are kept', 'José Peña 📡', 'José Peña 📡'],
  ])('%s', (_name, input, output) => {
    expect(sanitizeOutsideText(input)).toBe(output);
  });
});
