import { describe, expect, it } from '@jest/globals';
import { compareCheckpoints, likePrefix, maxCheckpoint, toStoredEvent } from './rows.js';

describe('checkpoints', () => {
  it('order by transaction id first, then position', () => {
    expect(compareCheckpoints({ txid: 5n, position: 100n }, { txid: 6n, position: 1n })).toBe(-1);
    expect(compareCheckpoints({ txid: 6n, position: 2n }, { txid: 6n, position: 1n })).toBe(1);
    expect(compareCheckpoints({ txid: 6n, position: 1n }, { txid: 6n, position: 1n })).toBe(0);
    expect(maxCheckpoint({ txid: 7n, position: 0n }, { txid: 6n, position: 9n })).toEqual({
      txid: 7n,
      position: 0n,
    });
  });
});

describe('likePrefix', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePrefix('file:src_x/')).toBe('file:src\\_x/%');
    expect(likePrefix('a%b\\c')).toBe('a\\%b\\\\c%');
  });
});

describe('toStoredEvent', () => {
  it('turns text columns into bigints and timestamps into Dates', () => {
    const e = toStoredEvent({
      position: '9007199254740993',
      txid: '12',
      id: 'x',
      stream: 's',
      version: 1,
      type: 'T',
      data: { a: 1 },
      metadata: {},
      created_at: '2026-11-24T00:00:00Z',
    });
    expect(e.position).toBe(9007199254740993n);
    expect(e.txid).toBe(12n);
    expect(e.createdAt).toEqual(new Date('2026-11-24T00:00:00Z'));
  });
});
