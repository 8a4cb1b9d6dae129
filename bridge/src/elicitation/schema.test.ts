import { describe, expect, it } from '@jest/globals';
import {
  checkContent,
  checkRequestedSchema,
  contentValidator,
  CONTENT_VALIDATORS_KEPT,
  SCHEMA_LIMITS,
  type RequestedSchema,
} from './schema.js';

const good: RequestedSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 20 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    score: { type: 'number' },
    ok: { type: 'boolean', default: false },
    color: { type: 'string', enum: ['r', 'g'], enumNames: ['Red', 'Green'] },
  },
  required: ['name'],
};

describe('checkRequestedSchema', () => {
  it('accepts every construct MCP allows', () => {
    expect(checkRequestedSchema(good)).toEqual([]);
  });

  it.each([
    [[], ''],
    [{ type: 'array', properties: {} }, '/type'],
    [{ type: 'object' }, '/properties'],
    [{ type: 'object', properties: {}, additionalProperties: true }, '/additionalProperties'],
    [{ type: 'object', properties: { a: { type: 'object' } } }, '/properties/a/type'],
    [{ type: 'object', properties: { a: { type: 'array', items: {} } } }, '/properties/a/type'],
    [{ type: 'object', properties: { a: { type: 'string', pattern: 'x' } } }, '/properties/a/pattern'],
    [{ type: 'object', properties: { 'a/b': { type: 'string', pattern: 'x' } } }, '/properties/a~1b/pattern'],
    [{ type: 'object', properties: { a: { type: 'string', format: 'ipv4' } } }, '/properties/a/format'],
    [{ type: 'object', properties: { a: { type: 'string', minLength: -1 } } }, '/properties/a/minLength'],
    [{ type: 'object', properties: { a: { type: 'number', minLength: 1 } } }, '/properties/a/minLength'],
    [{ type: 'object', properties: { a: { type: 'number', minimum: 'x' } } }, '/properties/a/minimum'],
    [{ type: 'object', properties: { a: { type: 'boolean', default: 1 } } }, '/properties/a/default'],
    [{ type: 'object', properties: { a: { type: 'string', enum: [1] } } }, '/properties/a/enum'],
    [{ type: 'object', properties: { a: { type: 'string', enum: [] } } }, '/properties/a/enum'],
    [
      { type: 'object', properties: { a: { type: 'string', enum: ['x'], enumNames: ['X', 'Y'] } } },
      '/properties/a/enumNames',
    ],
    [{ type: 'object', properties: { a: { $ref: '#/x' } } }, '/properties/a/type'],
    [{ type: 'object', properties: { a: 'string' } }, '/properties/a'],
    [{ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }, '/required/0'],
    [{ type: 'object', properties: {}, required: 'a' }, '/required'],
  ])('refuses %j at %s', (schema, path) => {
    const problems = checkRequestedSchema(schema);
    expect(problems.map((p) => p.path)).toContain(path);
  });

  const text = (n: number) => 'x'.repeat(n);
  const one = (def: Record<string, unknown>) => ({
    type: 'object',
    properties: { a: { type: 'string', ...def } },
  });
  const values = (n: number, width = 3) =>
    Array.from({ length: n }, (_, i) => String(i).padStart(width, '0'));
  it.each([
    ['a title', { ...one({}), title: text(201) }, '/title', 'title is longer than 200 characters'],
    ['a title that is not text', { ...one({}), title: { a: 1 } }, '/title', 'title must be a string'],
    ['a description', { ...one({}), description: text(4001) }, '/description', 'longer than 4000'],
    ['$schema', { ...one({}), $schema: text(201) }, '/$schema', 'longer than 200'],
    [
      'a property name',
      { type: 'object', properties: { [text(201)]: { type: 'boolean' } } },
      `/properties/${text(201)}`,
      'limited to 200',
    ],
    ["a property's title", one({ title: text(201) }), '/properties/a/title', 'longer than 200'],
    [
      "a property's description",
      one({ description: text(4001) }),
      '/properties/a/description',
      'longer than 4000',
    ],
    ['a default', one({ default: text(4001) }), '/properties/a/default', 'longer than 4000'],
    ['an enum', one({ enum: values(501) }), '/properties/a/enum', 'at most 500 values'],
    ['an enum value', one({ enum: ['ok', text(201)] }), '/properties/a/enum/1', 'longer than 200'],
    [
      'an enum name',
      one({ enum: ['a', 'b'], enumNames: ['A', text(201)] }),
      '/properties/a/enumNames/1',
      'longer than 200',
    ],
    [
      'the properties',
      { type: 'object', properties: Object.fromEntries(values(101).map((v) => [v, { type: 'boolean' }])) },
      '/properties',
      'at most 100 properties',
    ],
    ['required', { ...one({}), required: Array(101).fill('a') }, '/required', 'at most 100 names'],
    // Each field within its limit, the whole too large: 100 properties of 200 enum values.
    [
      'the whole schema',
      {
        type: 'object',
        properties: Object.fromEntries(
          values(100).map((v) => [v, { type: 'string', enum: values(200, 10) }]),
        ),
      },
      '',
      'limited to 65536 characters of JSON',
    ],
  ])('caps the size of %s', (_what, schema, path, message) => {
    const problems = checkRequestedSchema(schema);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toContain(message);
  });

  it('takes schemas up to every limit, e.g. a country picker with display names', () => {
    const countries = values(250);
    expect(
      checkRequestedSchema({
        type: 'object',
        title: text(SCHEMA_LIMITS.labelChars),
        description: text(SCHEMA_LIMITS.textChars),
        properties: {
          country: { type: 'string', enum: countries, enumNames: countries.map((c) => `Country ${c}`) },
          [text(SCHEMA_LIMITS.labelChars)]: { type: 'string', default: text(SCHEMA_LIMITS.textChars) },
          level: { type: 'string', enum: values(SCHEMA_LIMITS.enumValues) },
        },
        required: ['country'],
      }),
    ).toEqual([]);
  });
});

describe('checkContent', () => {
  it('accepts valid content', () => {
    expect(checkContent(good, { name: 'al', email: 'a@b.co', age: 3, ok: true, color: 'g' })).toEqual([]);
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, '/name'],
    [{ name: 'x', email: 'not-mail' }, '/email'],
    [{ name: 'x', age: 1.5 }, '/age'],
    [{ name: 'x', age: 200 }, '/age'],
    [{ name: 'x', color: 'b' }, '/color'],
    [{ name: 'x', ok: 'yes' }, '/ok'],
    [{ name: 'x', extra: 1 }, ''],
  ])('refuses %j, pointing at %s', (content, path) => {
    const problems = checkContent(good, content);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.path)).toContain(path);
  });

  it('refuses content that is not an object', () => {
    expect(checkContent(good, 'hello')).not.toEqual([]);
    expect(checkContent(good, null)).not.toEqual([]);
  });
});

describe('contentValidator', () => {
  const question = (n: number): RequestedSchema => ({
    type: 'object',
    properties: { [`q${n}`]: { type: 'boolean' } },
    required: [`q${n}`],
  });

  it('compiles a schema once, for every elicitation asking the same question', () => {
    expect(contentValidator(question(1))).toBe(contentValidator(structuredClone(question(1))));
  });

  it('keeps a bounded number of validators (the oldest are compiled again when needed)', () => {
    const first = contentValidator(question(-1));
    for (let n = 0; n < CONTENT_VALIDATORS_KEPT; n++) contentValidator(question(n));
    const again = contentValidator(question(-1));
    expect(again).not.toBe(first);
    expect(checkContent(question(-1), { 'q-1': true })).toEqual([]);
    expect(checkContent(question(-1), { 'q-1': 'yes' })).not.toEqual([]);
  });
});
