import { describe, expect, it } from '@jest/globals';
import { slope } from './trend.js';

describe('slope', () => {
  it('is the growth per unit of x of a straight line', () => {
    expect(
      slope([
        [0, 100],
        [1, 102],
        [2, 104],
        [3, 106],
      ]),
    ).toBeCloseTo(2);
  });

  it('is zero for flat noise around a level', () => {
    expect(
      slope([
        [0, 50],
        [1, 52],
        [2, 50],
        [3, 52],
        [4, 50],
        [5, 52],
        [6, 50],
        [7, 52],
        [8, 51],
      ]),
    ).toBeCloseTo(0, 0);
  });

  it('is negative when memory is given back', () => {
    expect(
      slope([
        [0, 200],
        [5, 150],
        [10, 100],
      ]),
    ).toBeCloseTo(-10);
  });

  it('refuses too few samples or samples all at one time', () => {
    expect(() => slope([[1, 1]])).toThrow('at least 2 samples');
    expect(() =>
      slope([
        [1, 1],
        [1, 2],
      ]),
    ).toThrow('different times');
  });
});
