// Checks on everything a caller hands to append, before anything reaches SQL:
// bad input is refused as a whole with a typed error, so nothing is half written.
import { randomUUID } from 'node:crypto';
import { InvalidEventError } from './errors.js';
import type { ExpectedVersion, NewEvent } from './types.js';

export const STREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,199}$/;
const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_DEPTH = 64;
// In a /u regex a surrogate pair is one code point, so only unpaired halves match.
export const LONE_SURROGATE = /\p{Surrogate}/u;

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
export const DEFAULT_MAX_EVENTS_PER_APPEND = 1000;

/** An event checked and serialised, ready for INSERT. */
export interface PreparedEvent {
  id: string;
  /** True when the caller chose the id: only then can the append be a retry. */
  idGiven: boolean;
  type: string;
  data: string;
  metadata: string;
}

export function checkStreamName(stream: unknown): string {
  if (typeof stream !== 'string' || !STREAM_NAME.test(stream)) {
    throw new InvalidEventError(
      'invalid_stream_name',
      `stream name must match ${STREAM_NAME.source}, got ${JSON.stringify(String(stream).slice(0, 80))}`,
    );
  }
  return stream;
}

export function checkExpectedVersion(v: unknown): ExpectedVersion {
  if (v === undefined) return 'any';
  if (v === 'any' || v === 'no_stream' || v === 'stream_exists') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 2_147_483_647) return v;
  throw new InvalidEventError(
    'invalid_expected_version',
    `expectedVersion must be 'any', 'no_stream', 'stream_exists' or a version >= 0, got ${JSON.stringify(v) ?? String(v)}`,
  );
}

/** Throws unless `value` is plain JSON that PostgreSQL's jsonb accepts (no NUL, no lone surrogates). */
export function checkJson(value: unknown, where: string, depth = 0): void {
  const bad = (why: string): never => {
    throw new InvalidEventError('invalid_data', `${where}: ${why}`);
  };
  if (depth > MAX_DEPTH) bad(`nested deeper than ${MAX_DEPTH} levels (or circular)`);
  switch (typeof value) {
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) bad(`${value} is not a JSON number`);
      return;
    case 'string':
      checkText(value, where);
      return;
    case 'object': {
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((v, i) => checkJson(v, `${where}[${i}]`, depth + 1));
        return;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null)
        bad('only plain objects, arrays and primitives are JSON');
      for (const [k, v] of Object.entries(value)) {
        checkText(k, `${where} key`);
        if (v === undefined) bad(`key ${JSON.stringify(k)} is undefined`);
        checkJson(v, `${where}.${k}`, depth + 1);
      }
      return;
    }
    default:
      bad(`${typeof value} is not JSON`);
  }
}

function checkText(s: string, where: string): void {
  if (s.includes('\u0000'))
    throw new InvalidEventError('invalid_data', `${where}: NUL characters are not allowed`);
  if (LONE_SURROGATE.test(s)) throw new InvalidEventError('invalid_data', `${where}: lone UTF-16 surrogate`);
}

export interface PrepareLimits {
  maxEventBytes: number;
  maxEventsPerAppend: number;
}

export function prepareEvents(events: unknown, limits: PrepareLimits): PreparedEvent[] {
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidEventError('invalid_data', 'events must be a non-empty array');
  }
  if (events.length > limits.maxEventsPerAppend) {
    throw new InvalidEventError(
      'invalid_data',
      `at most ${limits.maxEventsPerAppend} events per append, got ${events.length}`,
    );
  }
  const ids = new Set<string>();
  return events.map((raw: unknown, i) => {
    const where = `events[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new InvalidEventError('invalid_data', `${where} must be an object`);
    }
    const e = raw as Partial<NewEvent>;
    if (typeof e.type !== 'string' || !EVENT_TYPE.test(e.type)) {
      throw new InvalidEventError('invalid_data', `${where}.type must match ${EVENT_TYPE.source}`);
    }
    if (e.id !== undefined && (typeof e.id !== 'string' || !UUID.test(e.id))) {
      throw new InvalidEventError('invalid_data', `${where}.id must be a UUID`);
    }
    if (e.data === undefined) throw new InvalidEventError('invalid_data', `${where}.data is missing`);
    checkJson(e.data, `${where}.data`);
    const metadata = e.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new InvalidEventError('invalid_data', `${where}.metadata must be an object`);
    }
    checkJson(metadata, `${where}.metadata`);
    const data = JSON.stringify(e.data);
    const meta = JSON.stringify(metadata);
    const size = Buffer.byteLength(data) + Buffer.byteLength(meta);
    if (size > limits.maxEventBytes) {
      throw new InvalidEventError(
        'event_too_large',
        `${where} is ${size} bytes, the limit is ${limits.maxEventBytes}`,
      );
    }
    const id = e.id?.toLowerCase() ?? randomUUID();
    if (ids.has(id)) throw new InvalidEventError('invalid_data', `${where}.id ${id} appears twice`);
    ids.add(id);
    return { id, idGiven: e.id !== undefined, type: e.type, data, metadata: meta };
  });
}
