// Rate budgets hold for the fleet: two bridges on one PostgreSQL database, an
// agent that spends its budget on one is refused by the other once it hears
// (NOTIFY, every 250 ms), not given a second budget there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { SPENDING_CHANNEL } from '@lighthouse/bridge/ratelimit/sharing.js';
import { startTestBridge, until, type TestBridge } from './harness.js';

const BUDGET = 6;
let db: TestDatabase;
let a: TestBridge;
let b: TestBridge;
let listener: pg.Client;
const heard: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const env = { LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: String(BUDGET) };
  a = await startTestBridge({ databaseUrl: db.url }, env);
  b = await startTestBridge({ databaseUrl: db.url }, env);
  // What the replicas tell each other, heard as they hear it.
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (m) => heard.push(m.payload ?? ''));
  await listener.query(`LISTEN ${SPENDING_CHANNEL}`);
}, 60_000);

afterAll(async () => {
  await listener?.end();
  await a?.close();
  await b?.close();
  await db?.drop();
});

const read = { tool: 'Read', input: { file_path: '/work/a.ts' } };

/** The validate calls of `agent` the replicas told each other of so far. */
const told = (agent: string) =>
  heard
    .flatMap((p) => (JSON.parse(p) as { s: [string, string, number][] }).s)
    .filter(([budget, id]) => budget === 'validate' && id === agent)
    .reduce((n, [, , cost]) => n + cost, 0);

/** Calls until the bridge refuses one; returns how many it allowed first. */
async function allowedUntilRefused(bridge: TestBridge, agent: string): Promise<number> {
  for (let allowed = 0; allowed <= BUDGET; allowed++) {
    const r = await bridge.client(agent).post('/v1/validate', read);
    if (r.status === 429) return allowed;
    expect(r.status).toBe(200);
  }
  throw new Error(`${BUDGET + 1} calls allowed on one replica, more than the budget`);
}

describe('rate budgets across replicas', () => {
  it('an agent that spent its budget on one replica is refused on the other', async () => {
    expect(await allowedUntilRefused(a, 'spender')).toBe(BUDGET);
    // A tells its spending every 250 ms: the six calls may come in more than one message.
    await until(() => (told('spender') >= BUDGET ? true : undefined));
    // B heard it when this listener did (give its listener a moment more): the budget is spent there too.
    await new Promise((r) => setTimeout(r, 100));
    const onB = await b.client('spender').post<{ error: { code: string } }>('/v1/validate', read);
    expect(onB.status).toBe(429);
    expect(onB.body.error.code).toBe('rate_limited');
    // Another agent is not touched.
    expect((await b.client('bystander').post('/v1/validate', read)).status).toBe(200);
  });

  it('calls spread over both replicas share one budget', async () => {
    let allowed = 0;
    for (let i = 0; i < 2 * BUDGET; i++) {
      const r = await (i % 2 ? b : a).client('spreader').post('/v1/validate', read);
      if (r.status !== 200) {
        expect(r.status).toBe(429);
        continue;
      }
      allowed++;
      // Each call told before the next (and a moment for the other replica's listener).
      await until(() => (told('spreader') >= allowed ? true : undefined));
      await new Promise((r) => setTimeout(r, 50));
    }
    // Per replica, each would have allowed 6 (12 in all); the fleet allows the budget (and
    // what refills at 6/min over the few seconds of the test: at most one more).
    expect(allowed).toBeGreaterThanOrEqual(BUDGET);
    expect(allowed).toBeLessThanOrEqual(BUDGET + 1);
  });
});
