// Property-based fuzzing of every API request body: random JSON, wrong types,
// huge strings, deep nesting, unicode edge cases and bytes that are not JSON.
// A client mistake is never a 5xx, the bridge never falls over, and the store
// stays consistent (every stream's versions run 1..n, positions are unique).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { openApiDocument } from '@lighthouse/bridge/openapi/document.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { grantExpert, startTestBridge, type TestBridge } from '../bridge/harness.js';

let db: TestDatabase;
let bridge: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startTestBridge(
    { databaseUrl: db.url },
    {
      LIGHTHOUSE_ESCALATION_TIMEOUT_MS: '100',
      LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: '1000000',
      LIGHTHOUSE_RATE_ESCALATIONS_PER_MINUTE: '1000000',
      LIGHTHOUSE_RATE_ELICITATION_PER_MINUTE: '1000000',
      LIGHTHOUSE_BODY_LIMIT_BYTES: '65536',
    },
  );
  // So that registration bodies reach the registration, not only the refusal of an agent with no grant.
  for (const agent of ['fuzzer', 'admin']) await grantExpert(bridge.admin(), agent, ['*']);
}, 120_000);
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

/** Every operation that takes a body, with its path parameters filled in. */
const operations = Object.entries(openApiDocument.paths as Record<string, Record<string, unknown>>).flatMap(
  ([template, item]) =>
    Object.entries(item)
      .filter(([, op]) => (op as { requestBody?: unknown }).requestBody !== undefined)
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        operationId: (op as { operationId: string }).operationId,
        path: template
          .replace('{id}', '00000000-0000-4000-8000-000000000000')
          .replace('{path}', 'src/a.ts')
          .replace('{flag}', 'elicitation'),
      })),
);

/** Nested objects and arrays `depth` levels deep, written as text (JSON.stringify would overflow the stack). */
const deep = (depth: number): string => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"a":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}"x"${close}`;
};

/** A valid body per operation: mutated one field at a time, it reaches the handlers, not only the schema check. */
const valid: Record<string, Record<string, unknown>> = {
  validate: { tool: 'Bash', input: { command: 'ls -la' } },
  validateDryRun: { tool: 'Bash', input: { command: 'ls -la' } },
  claudeCodeHook: {
    session_id: 's1',
    hook_event_name: 'PreToolUse',
    tool_name: 'Read',
    tool_input: { file_path: '/tmp/a' },
    cwd: '/tmp',
  },
  registerExpert: { capabilities: ['*'] },
  grantExpert: { capabilities: ['privileged'] },
  decideEscalation: { decision: 'allow', reason: 'ok' },
  appendEvents: { stream: 'fuzz', expectedVersion: 'any', events: [{ type: 'Fuzzed', data: { n: 1 } }] },
  createElicitation: {
    to: 'bob',
    message: 'q?',
    requestedSchema: { type: 'object', properties: { a: { type: 'string' } } },
  },
  acceptElicitation: { content: { a: 'x' } },
  writeFile: { path: 'src/a.ts', content: 'export {};\n' },
  annotate: { path: 'src/a.ts', text: 'note' },
  createContext: { name: 'ctx', files: ['src/a.ts'], note: 'n' },
  killFlag: { reason: 'fuzz' },
};

/** Raw request bodies: valid ones with a field replaced, JSON of the wrong shape, bytes that are not JSON. */
const bodies = (operationId: string): fc.Arbitrary<string> => {
  const template = valid[operationId] ?? {};
  const keys = Object.keys(template);
  return fc.oneof(
    fc.constant(JSON.stringify(template)),
    fc
      .tuple(fc.constantFrom(...(keys.length ? keys : ['x'])), fc.jsonValue())
      .map(([k, v]) => JSON.stringify({ ...template, [k]: v })),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .dictionary(
        fc.constantFrom(
          'tool',
          'input',
          'to',
          'message',
          'requestedSchema',
          'path',
          'content',
          'stream',
          'events',
          'decision',
          'capabilities',
          'text',
          'files',
          'expectedVersion',
          'agentId',
          'hook_event_name',
          'tool_name',
          'tool_input',
        ),
        fc.oneof(
          fc.jsonValue(),
          fc.string({ unit: 'grapheme', maxLength: 50 }),
          fc.constant('\u0000'),
          fc.constant('\ud800'),
        ),
      )
      .map((v) => JSON.stringify(v)),
    fc.integer({ min: 1, max: 20_000 }).map(deep),
    fc
      .integer({ min: 60_000, max: 200_000 })
      .map((n) => JSON.stringify({ tool: 'Bash', input: { command: 'x'.repeat(n) } })),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      '',
      '{',
      '{"tool":',
      'null',
      '[]',
      '"str"',
      '{"__proto__":{"polluted":true}}',
      '\ufeff{}',
    ),
  );
};

async function send(method: string, path: string, body: string, agent: string): Promise<Response> {
  const credential = agent === 'admin' ? bridge.admin().credential : bridge.client(agent).credential;
  const headers: Record<string, string> = {
    ...signedHeaders(credential, method, path, body),
    'content-type': 'application/json',
  };
  // The admin has no hook token: the hook endpoint's bodies are fuzzed as the agent.
  if (path === '/v1/hooks/claude-code') headers.authorization = `Bearer ${bridge.hookToken('fuzzer')}`;
  return fetch(bridge.url + path, { method, headers, body, signal: AbortSignal.timeout(20_000) });
}

describe('fuzzing every request body', () => {
  it('finds operations to fuzz', () => {
    expect(operations.map((o) => o.operationId)).toEqual(
      expect.arrayContaining([
        'validate',
        'claudeCodeHook',
        'appendEvents',
        'registerExpert',
        'decideEscalation',
      ]),
    );
  });

  it.each(operations.map((o) => [`${o.method} ${o.path}`, o] as const))(
    '%s: client mistakes are 4xx with a JSON error, never 5xx',
    async (_name, op) => {
      await fc.assert(
        fc.asyncProperty(bodies(op.operationId), fc.constantFrom('fuzzer', 'admin'), async (body, agent) => {
          const res = await send(op.method, op.path, body, agent);
          const text = await res.text();
          if (res.status >= 500)
            throw new Error(`${res.status} for body ${body.slice(0, 200)}: ${text.slice(0, 300)}`);
          if (res.status >= 400) {
            const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
            expect(typeof parsed.error?.code).toBe('string');
            expect(typeof parsed.error?.message).toBe('string');
          }
        }),
        { numRuns: 40 },
      );
    },
  );

  it('leaves the bridge up and the store consistent', async () => {
    expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
    expect({} as Record<string, unknown>).not.toHaveProperty('polluted');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ stream: string; version: number; position: string }>(
        'SELECT stream, version, position::text AS position FROM events ORDER BY events.position',
      );
      expect(rows.length).toBeGreaterThan(0);
      const versions = new Map<string, number>();
      let last = 0n;
      for (const r of rows) {
        expect(BigInt(r.position)).toBeGreaterThan(last);
        last = BigInt(r.position);
        const next = (versions.get(r.stream) ?? 0) + 1;
        expect(`${r.stream}@${r.version}`).toBe(`${r.stream}@${next}`);
        versions.set(r.stream, next);
      }
    } finally {
      await client.end();
    }
  });
});
