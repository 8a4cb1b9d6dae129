import { describe, expect, it } from '@jest/globals';
import { concerns, parseCommitNotice } from './commit-notice.js';

describe('commit notices', () => {
  it('parses the transaction and the types written', () => {
    expect(parseCommitNotice('812 ToolCallDecided FileChanged')).toEqual({
      txid: 812n,
      types: ['ToolCallDecided', 'FileChanged'],
    });
    expect(parseCommitNotice('812')).toEqual({ txid: 812n });
  });

  it('reads anything else as "unknown": every subscriber polls', () => {
    for (const payload of ['', 'x 1', ' 812', '-1 A']) expect(parseCommitNotice(payload)).toEqual({});
  });

  it('concerns a subscriber only when it reads one of the types (or when either side is unfiltered)', () => {
    const notice = parseCommitNotice('5 ToolCallDecided');
    expect(concerns(notice, ['ElicitationRequested'])).toBe(false);
    expect(concerns(notice, ['ToolCallDecided', 'X'])).toBe(true);
    expect(concerns(notice, undefined)).toBe(true);
    expect(concerns({ txid: 5n }, ['ElicitationRequested'])).toBe(true);
    expect(concerns({}, ['ElicitationRequested'])).toBe(true);
  });
});
