import { describe, expect, it } from '@jest/globals';
import { FlagsConfigError, parseFlags } from './config.js';

describe('parseFlags', () => {
  it('reads every mode', () => {
    const text = `
elicitation: {mode: on}
heuristics: {mode: percentage, percentage: 25}
escalation:
  mode: agents
  agents: [alice, bob]
beta: {mode: off}
`;
    expect(parseFlags(text)).toEqual({
      elicitation: { mode: 'on' },
      heuristics: { mode: 'percentage', percentage: 25 },
      escalation: { mode: 'agents', agents: ['alice', 'bob'] },
      beta: { mode: 'off' },
    });
  });

  it('an empty file is no flags', () => {
    expect(parseFlags('')).toEqual({});
  });

  it.each([
    ['x: [', /not valid YAML/],
    ['- a', /must be a mapping/],
    ['x: on', /flag "x": expected a mapping/],
    ['x: {mode: maybe}', /flag "x": mode must be one of/],
    ['x: {mode: percentage}', /flag "x": percentage must be/],
    ['x: {mode: percentage, percentage: 101}', /percentage must be/],
    ['x: {mode: agents, agents: [1]}', /agents must be a list/],
    ['x: {mode: on, typo: 1}', /unknown field "typo"/],
    ['"bad name": {mode: on}', /invalid name/],
  ])('refuses %j', (text, message) => {
    expect(() => parseFlags(text)).toThrow(FlagsConfigError);
    expect(() => parseFlags(text)).toThrow(message);
  });
});
