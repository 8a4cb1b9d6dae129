import { describe, expect, it } from '@jest/globals';
import { InvalidEventError } from './errors.js';
import { checkExpectedVersion, checkJson, checkStreamName, prepareEvents } from './validation.js';

const limits = { maxEventBytes: 1024, maxEventsPerAppend: 10 };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidEventError) return err.code;
    throw err;
  }
  return undefined;
}

describe('stream names', () => {
  it.each([
    'decisions',
    'agent:alice',
    'elicitation:3f1c8a2e-0000-4000-8000-000000000000',
    'file:src/a.ts',
    'a',
  ])('accepts %s', (s) => expect(checkStreamName(s)).toBe(s));
  it.each(['', ' x', '-lead', 'has space', 'a'.repeat(201), 'tab\tname', 'ümlaut', 'semi;colon'])(
    'refuses %j',
    (s) => expect(codeOf(() => checkStreamName(s))).toBe('invalid_stream_name'),
  );
  it('refuses non-strings', () => {
    expect(codeOf(() => checkStreamName(42))).toBe('invalid_stream_name');
    expect(codeOf(() => checkStreamName(undefined))).toBe('invalid_stream_name');
  });
});

describe('expected versions', () => {
  it.each(['any', 'no_stream', 'stream_exists', 0, 1, 99] as const)('accepts %j', (v) =>
    expect(checkExpectedVersion(v)).toBe(v),
  );
  it('defaults to any', () => expect(checkExpectedVersion(undefined)).toBe('any'));
  it.each([-1, 1.5, NaN, Infinity, '3', 'latest', null, {}, 2 ** 31])('refuses %j', (v) =>
    expect(codeOf(() => checkExpectedVersion(v))).toBe('invalid_expected_version'),
  );
});

describe('JSON data', () => {
  it('accepts nested plain JSON', () => {
    expect(() => checkJson({ a: [1, 'x', null, true, { b: 2.5 }], é: '😀' }, 'd')).not.toThrow();
  });
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['bigint', 1n],
    ['function', () => 1],
    ['symbol', Symbol('s')],
    ['undefined value', { a: undefined }],
    ['Date', new Date()],
    ['Map', new Map()],
    ['class instance', new (class Foo {})()],
    ['NUL in string', 'a\u0000b'],
    ['NUL in key', { 'a\u0000': 1 }],
    ['lone surrogate', '\ud800x'],
    ['circular', circular],
  ])('refuses %s', (_name, v) => expect(codeOf(() => checkJson(v, 'd'))).toBe('invalid_data'));
});

describe('prepareEvents', () => {
  it('serialises, assigns ids and marks given ones', () => {
    const id = '3F1C8A2E-0000-4000-8000-000000000000';
    const [a, b] = prepareEvents(
      [
        { type: 'A', data: { x: 1 } },
        { id, type: 'B', data: 'hi', metadata: { m: 1 } },
      ],
      limits,
    );
    expect(a).toMatchObject({ idGiven: false, type: 'A', data: '{"x":1}', metadata: '{}' });
    expect(a!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).toMatchObject({ id: id.toLowerCase(), idGiven: true, data: '"hi"', metadata: '{"m":1}' });
  });
  it.each([
    ['not an array', { type: 'A', data: 1 }],
    ['empty', []],
    ['too many', Array.from({ length: 11 }, () => ({ type: 'A', data: 1 }))],
    ['event not object', [42]],
    ['missing type', [{ data: 1 }]],
    ['bad type', [{ type: 'has space', data: 1 }]],
    ['missing data', [{ type: 'A' }]],
    ['bad id', [{ id: 'nope', type: 'A', data: 1 }]],
    [
      'duplicate ids',
      [
        { id: '3f1c8a2e-0000-4000-8000-000000000000', type: 'A', data: 1 },
        { id: '3f1c8a2e-0000-4000-8000-000000000000', type: 'A', data: 2 },
      ],
    ],
    ['array metadata', [{ type: 'A', data: 1, metadata: [] }]],
    ['bad metadata value', [{ type: 'A', data: 1, metadata: { x: NaN } }]],
  ])('refuses %s', (_name, events) =>
    expect(codeOf(() => prepareEvents(events, limits))).toBe('invalid_data'),
  );
  it('refuses an event over the size limit, counting bytes not characters', () => {
    expect(codeOf(() => prepareEvents([{ type: 'A', data: 'x'.repeat(1030) }], limits))).toBe(
      'event_too_large',
    );
    // 400 three-byte characters: 1202 bytes of JSON
    expect(codeOf(() => prepareEvents([{ type: 'A', data: '€'.repeat(400) }], limits))).toBe(
      'event_too_large',
    );
    expect(
      codeOf(() =>
        prepareEvents([{ type: 'A', data: 'x'.repeat(1000), metadata: { m: 'y'.repeat(100) } }], limits),
      ),
    ).toBe('event_too_large');
    expect(
      prepareEvents([{ type: 'A', data: 'x'.repeat(1000) }], { ...limits, maxEventBytes: 2000 }),
    ).toHaveLength(1);
  });
});
