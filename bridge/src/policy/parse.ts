// Policy documents: YAML → validated, defaulted, revisioned Policy. A bad document is a
// PolicyError naming where it is wrong; nothing half-parsed is ever returned.
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';
import { parse, YAMLParseError } from 'yaml';
import { policySchema } from './schema.js';
import type { Policy, Rule } from './types.js';

export class PolicyError extends Error {
  constructor(
    /** Where the document is wrong: `rules[3].action`, or `` for the document as a whole. */
    readonly path: string,
    message: string,
  ) {
    super(path === '' ? message : `${path}: ${message}`);
    this.name = 'PolicyError';
  }
}

const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: true });
const validate = ajv.compile(policySchema);

/** Largest policy document accepted (the ConfigMap limit is 1 MiB). */
const MAX_DOCUMENT = 1024 * 1024;

export function parsePolicy(yamlText: string): Policy {
  if (yamlText.length > MAX_DOCUMENT) throw new PolicyError('', `document larger than ${MAX_DOCUMENT} bytes`);
  let doc: unknown;
  try {
    doc = parse(yamlText, { maxAliasCount: 1000 });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      throw new PolicyError(
        '',
        `invalid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${error.message.split('\n')[0]}`,
      );
    }
    throw new PolicyError('', `invalid YAML: ${String(error)}`);
  }
  doc = flattenLists(doc);
  if (!validate(doc)) throw schemaError(validate.errors?.[0], doc);
  const rules = (doc as { rules: Rule[] }).rules.map((rule) => ({
    ...rule,
    description: rule.description ?? rule.id,
  }));
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const first = seen.get(rule.id);
    if (first !== undefined)
      throw new PolicyError(`rules[${i}].id`, `duplicate id "${rule.id}" (first used by rules[${first}])`);
    seen.set(rule.id, i);
  });
  return { revision: revisionOf(rules), rules };
}

/**
 * Lists may contain lists, so YAML aliases compose (`paths: [*system, /opt/**]`): every
 * nested list is spliced into its parent. Also copies the document, so aliased nodes are
 * never shared between rules.
 */
function flattenLists(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const flat = flattenLists(item);
      return Array.isArray(flat) ? flat : [flat];
    });
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flattenLists(v)]));
  }
  return value;
}

/** Short sha256 of the rules in canonical JSON (sorted keys): equal rules, equal revision. */
export function revisionOf(rules: readonly Rule[]): string {
  return createHash('sha256').update(canonicalJson(rules)).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function schemaError(error: ErrorObject | undefined, doc: unknown): PolicyError {
  if (error === undefined) return new PolicyError('', 'invalid policy document');
  const segments = error.instancePath.split('/').slice(1).map(decodePointer);
  let path = '';
  for (const segment of segments)
    path += /^\d+$/.test(segment) ? `[${segment}]` : path === '' ? segment : `.${segment}`;
  let message = error.message ?? 'invalid';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') path = join(path, String(params['missingProperty']));
  if (error.keyword === 'additionalProperties') path = join(path, String(params['additionalProperty']));
  if (error.keyword === 'enum') message += `: ${(params['allowedValues'] as unknown[]).join(', ')}`;
  if (error.keyword === 'additionalProperties') message = 'unknown field';
  const ruleId = ruleIdAt(doc, segments);
  return new PolicyError(path, ruleId === undefined ? message : `${message} (rule "${ruleId}")`);
}

function join(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function ruleIdAt(doc: unknown, segments: string[]): string | undefined {
  if (segments[0] !== 'rules' || segments[1] === undefined) return undefined;
  const rules = (doc as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return undefined;
  const id = (rules[Number(segments[1])] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
