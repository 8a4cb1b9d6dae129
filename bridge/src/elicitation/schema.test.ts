import { describe, expect, it } from '@jest/globals';
import {
  checkContent,
  checkRequestedSchema,
  contentValidator,
  CONTENT_VALIDATORS_KEPT,
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
