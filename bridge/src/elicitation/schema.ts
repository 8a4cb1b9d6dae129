// The restricted, flat JSON Schema that MCP's `elicitation/create` allows:
// an object whose properties are primitives (string with length/format,
// number/integer with bounds, boolean, string enum). Anything else is refused
// with the JSON pointer of the offending part, so a requester can fix it.
// Sizes are capped too: every replica holds a pending elicitation in memory.
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { LRUCache } from 'lru-cache';

export interface SchemaProblem {
  /** JSON pointer into the submitted schema, e.g. `/properties/age/pattern`. */
  path: string;
  message: string;
}

export type RequestedSchema = {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  title?: string;
  description?: string;
};

const STRING_FORMATS = ['email', 'uri', 'date', 'date-time'];
const TOP_KEYS = new Set(['type', 'properties', 'required', 'title', 'description', '$schema']);
const COMMON_KEYS = ['type', 'title', 'description', 'default'];
const KEYS_BY_TYPE: Record<string, Set<string>> = {
  string: new Set([...COMMON_KEYS, 'minLength', 'maxLength', 'format', 'enum', 'enumNames']),
  number: new Set([...COMMON_KEYS, 'minimum', 'maximum']),
  integer: new Set([...COMMON_KEYS, 'minimum', 'maximum']),
  boolean: new Set([...COMMON_KEYS]),
};
// Far above what a form a person or agent fills in needs (MCP's examples have a
// handful of fields), low enough that 100 pending questions cost megabytes, not gigabytes.
export const SCHEMA_LIMITS = {
  properties: 100,
  /** Property names, titles, enum values and their names. */
  labelChars: 200,
  /** Descriptions and string defaults. */
  textChars: 4000,
  enumValues: 500,
  /** The whole schema, as JSON. */
  jsonChars: 65_536,
};
const L = SCHEMA_LIMITS;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const isNonNegativeInteger = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** title, description (and $schema at the top): strings of bounded length. */
function checkTexts(
  def: Record<string, unknown>,
  keys: readonly string[],
  bad: (suffix: string, message: string) => void,
): void {
  for (const key of keys) {
    if (!(key in def)) continue;
    const max = key === 'description' ? L.textChars : L.labelChars;
    const v = def[key];
    if (typeof v !== 'string') bad(`/${escapePointer(key)}`, `${key} must be a string`);
    else if (v.length > max) bad(`/${escapePointer(key)}`, `${key} is longer than ${max} characters`);
  }
}

/** An array of strings at `suffix`: at most L.enumValues, each at most L.labelChars. */
function checkLabels(values: string[], suffix: string, bad: (suffix: string, message: string) => void): void {
  if (values.length > L.enumValues) return void bad(suffix, `at most ${L.enumValues} values`);
  values.forEach((v, i) => {
    if (v.length > L.labelChars) bad(`${suffix}/${i}`, `longer than ${L.labelChars} characters`);
  });
}

function checkProperty(name: string, def: unknown, problems: SchemaProblem[]): void {
  const base = `/properties/${escapePointer(name)}`;
  const bad = (suffix: string, message: string) => problems.push({ path: base + suffix, message });
  if (name.length > L.labelChars) bad('', `a property name is limited to ${L.labelChars} characters`);
  if (!isObject(def)) return void bad('', 'a property must be an object schema');
  const type = def.type;
  if (typeof type !== 'string' || !(type in KEYS_BY_TYPE)) {
    return void bad('/type', 'type must be one of string, number, integer, boolean');
  }
  const allowed = KEYS_BY_TYPE[type]!;
  for (const key of Object.keys(def)) {
    if (!allowed.has(key)) bad(`/${escapePointer(key)}`, `"${key}" is not allowed for a ${type} property`);
  }
  checkTexts(def, ['title', 'description'], bad);
  if (type === 'string') {
    for (const key of ['minLength', 'maxLength'] as const) {
      if (key in def && !isNonNegativeInteger(def[key]))
        bad(`/${key}`, `${key} must be a non-negative integer`);
    }
    if ('format' in def && !STRING_FORMATS.includes(def.format as string)) {
      bad('/format', `format must be one of ${STRING_FORMATS.join(', ')}`);
    }
    if ('enum' in def) {
      const values = def.enum;
      if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) {
        bad('/enum', 'enum must be a non-empty array of strings');
      } else if (new Set(values).size !== values.length) bad('/enum', 'enum values must be unique');
      else checkLabels(values, '/enum', bad);
      if ('format' in def) bad('/format', 'an enum property cannot have a format');
    }
    if ('enumNames' in def) {
      const names = def.enumNames;
      if (!Array.isArray(def.enum)) bad('/enumNames', 'enumNames needs enum');
      else if (
        !Array.isArray(names) ||
        names.length !== def.enum.length ||
        !names.every((v) => typeof v === 'string')
      ) {
        bad('/enumNames', 'enumNames must be strings, one per enum value');
      } else checkLabels(names, '/enumNames', bad);
    }
    if ('default' in def && typeof def.default !== 'string') bad('/default', 'default must be a string');
    else if (typeof def.default === 'string' && def.default.length > L.textChars)
      bad('/default', `default is longer than ${L.textChars} characters`);
  } else if (type === 'number' || type === 'integer') {
    for (const key of ['minimum', 'maximum'] as const) {
      if (key in def && (typeof def[key] !== 'number' || !Number.isFinite(def[key]))) {
        bad(`/${key}`, `${key} must be a number`);
      }
    }
    if ('default' in def && typeof def.default !== 'number') bad('/default', 'default must be a number');
  } else if ('default' in def && typeof def.default !== 'boolean') {
    bad('/default', 'default must be a boolean');
  }
}

/** Problems with `schema` as an elicitation schema; empty when it is acceptable. */
export function checkRequestedSchema(schema: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (!isObject(schema)) return [{ path: '', message: 'requestedSchema must be an object' }];
  for (const key of Object.keys(schema)) {
    if (!TOP_KEYS.has(key))
      problems.push({ path: `/${escapePointer(key)}`, message: `"${key}" is not allowed` });
  }
  if (schema.type !== 'object') problems.push({ path: '/type', message: 'type must be "object"' });
  checkTexts(schema, ['title', 'description', '$schema'], (path, message) =>
    problems.push({ path, message }),
  );
  const props = schema.properties;
  if (!isObject(props)) {
    problems.push({ path: '/properties', message: 'properties must be an object' });
  } else {
    const names = Object.keys(props);
    if (names.length > L.properties) {
      problems.push({ path: '/properties', message: `at most ${L.properties} properties` });
    } else {
      for (const name of names) checkProperty(name, props[name], problems);
    }
  }
  if ('required' in schema) {
    const req = schema.required;
    if (!Array.isArray(req) || !req.every((r) => typeof r === 'string')) {
      problems.push({ path: '/required', message: 'required must be an array of property names' });
    } else if (req.length > L.properties) {
      problems.push({ path: '/required', message: `at most ${L.properties} names` });
    } else {
      req.forEach((r, i) => {
        if (!isObject(props) || !(r in props)) {
          problems.push({ path: `/required/${i}`, message: `"${r}" is not a property` });
        }
      });
    }
  }
  // What the per-field limits leave (100 properties of 500 enum values each) is still too much.
  if (problems.length === 0 && JSON.stringify(schema).length > L.jsonChars) {
    problems.push({ path: '', message: `requestedSchema is limited to ${L.jsonChars} characters of JSON` });
  }
  return problems;
}

const ajv = new Ajv({ allErrors: true, strict: false });
(formatsPlugin as unknown as (a: Ajv, f: string[]) => void)(ajv, STRING_FORMATS);

/** Compiled content validators kept, by schema; elicitations asking the same question share one. */
export const CONTENT_VALIDATORS_KEPT = 500;
const validators = new LRUCache<string, ValidateFunction>({ max: CONTENT_VALIDATORS_KEPT });

/**
 * A validator for accepted content. `additionalProperties: false` is added so a
 * target cannot smuggle fields the requester did not ask for; the schema must
 * already have passed `checkRequestedSchema`. Compiling costs milliseconds, so
 * validators are kept by schema text, in a bounded cache: ajv's own cache, keyed
 * by schema object, would keep one per elicitation for ever.
 */
export function contentValidator(schema: RequestedSchema): ValidateFunction {
  const properties: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(schema.properties)) {
    // enumNames is display text, not a JSON Schema keyword.
    const { enumNames: _names, ...rest } = def;
    properties[name] = rest;
  }
  const content = {
    type: 'object',
    properties,
    required: schema.required ?? [],
    additionalProperties: false,
  };
  const key = JSON.stringify(content);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(content);
    ajv.removeSchema(content);
    validators.set(key, validate);
  }
  return validate;
}

export interface ContentProblem {
  path: string;
  message: string;
}

export function checkContent(schema: RequestedSchema, content: unknown): ContentProblem[] {
  const validate = contentValidator(schema);
  if (validate(content)) return [];
  return (validate.errors ?? []).map((e) => ({
    path: e.instancePath || (e.params as { missingProperty?: string }).missingProperty || '',
    message: e.message ?? 'invalid',
  }));
}
