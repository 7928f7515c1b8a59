import { describe, expect, it } from 'vitest';
import { runModeFor, type InputKind, type RunMode, type ShellSetting } from '../../src/app/stdin.js';

describe('runModeFor: the shell where a person types or input is piped in, else a service', () => {
  const cases: [string, { chat: boolean; setting: ShellSetting; input: InputKind; outputIsTerminal: boolean }, RunMode][] = [
    ['a terminal', { chat: false, setting: 'auto', input: 'terminal', outputIsTerminal: true }, 'interactive'],
    ['a terminal, output to a pipe', { chat: false, setting: 'auto', input: 'terminal', outputIsTerminal: false }, 'piped'],
    ['commands piped in', { chat: false, setting: 'auto', input: 'piped', outputIsTerminal: false }, 'piped'],
    ['/dev/null (systemd, docker run without -i)', { chat: false, setting: 'auto', input: 'none', outputIsTerminal: false }, 'service'],
    ['/dev/null with PINGOPS_SHELL=on', { chat: false, setting: 'on', input: 'none', outputIsTerminal: false }, 'piped'],
    ['a pipe with PINGOPS_SHELL=off', { chat: false, setting: 'off', input: 'piped', outputIsTerminal: false }, 'service'],
    ['a terminal with PINGOPS_SHELL=off', { chat: false, setting: 'off', input: 'terminal', outputIsTerminal: true }, 'service'],
    ['chat configured, at a terminal', { chat: true, setting: 'auto', input: 'terminal', outputIsTerminal: true }, 'service'],
    ['chat configured, PINGOPS_SHELL=on', { chat: true, setting: 'on', input: 'piped', outputIsTerminal: false }, 'service'],
  ];
  it.each(cases)('%s', (_name, input, mode) => {
    expect(runModeFor(input)).toBe(mode);
  });
});
