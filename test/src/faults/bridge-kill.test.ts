// SIGKILL one of two bridge replicas (separate processes on one PostgreSQL)
// under load: the other replica's clients see no error, every decision and
// event either replica acknowledged is in the store, and escalations left
// pending on the dead replica are answered by an expert on the survivor.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { issueCredential } from '@lighthouse/bridge/auth/credentials.js';
import { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { sseEvents, until } from '../bridge/harness.js';
import { startBridgeProcess, type BridgeProcess } from '../processes/bridge-process.js';
import { startTraffic, type Ledger } from './traffic.js';
import { missingDecisions, missingPositions } from './store-check.js';
import { cleanUp } from '../processes/child.js';

const masterHex = randomBytes(32).toString('hex');
const master = Buffer.from(masterHex);
let db: TestDatabase;
let a: BridgeProcess;
let b: BridgeProcess;

const client = (bridge: BridgeProcess, agentId: string) =>
  new BridgeClient({ url: bridge.url, credential: issueCredential(master, agentId), timeoutMs: 15_000 });

beforeAll(async () => {
  db = await createTestDatabase();
  a = await startBridgeProcess(db.url, masterHex);
  b = await startBridgeProcess(db.url, masterHex);
}, 120_000);

afterAll(
  () =>
    cleanUp(
      () => a?.stop(),
      () => b?.stop(),
      () => db?.drop(),
    ),
  60_000,
);

const okOutcome = (k: string) => /^(200 (allow|block)\/(cache|policy|risk)|201)$/.test(k);

describe('SIGKILL of a bridge replica under load', () => {
  it('loses nothing acknowledged and leaves the other replica serving', async () => {
    // An expert connected to B receives escalations raised on A.
    const expert = client(b, 'expert-b');
    expect((await expert.post('/v1/experts', { capabilities: ['*'] })).status).toBe(201);
    const ctl = new AbortController();
    const stream = await expert.fetch('GET', '/v1/escalations/stream', undefined, ctl.signal);
    expect(stream.status).toBe(200);
    const seen: string[] = [];
    const reading = (async () => {
      try {
        for await (const e of sseEvents(stream, 'escalation')) seen.push((e as { id: string }).id);
      } catch {
        /* aborted at the end */
      }
    })();

    // Escalations on A: some answered `escalate` at once, some waiting on A when it dies.
    const agentA = client(a, 'agent-esc');
    const raised = await Promise.all(
      [1, 2, 3].map((n) =>
        agentA.post<{ decision: string; decisionId: string }>('/v1/validate', {
          tool: 'Bash',
          input: { command: `systemctl restart svc${n}` },
          wait: false,
        }),
      ),
    );
    for (const r of raised) expect(r.body.decision).toBe('escalate');
    const waiting = [4, 5].map((n) =>
      agentA.post('/v1/validate', { tool: 'Bash', input: { command: `systemctl restart svc${n}` } }).then(
        () => 'answered',
        () => 'connection lost',
      ),
    );
    await until(() => (seen.length === 5 ? true : undefined), 10_000);

    const onA = startTraffic({ clients: [1, 2, 3].map((i) => client(a, `agent-a${i}`)), concurrency: 6 });
    const onB = startTraffic({ clients: [1, 2, 3].map((i) => client(b, `agent-b${i}`)), concurrency: 6 });
    await new Promise((r) => setTimeout(r, 2_000));
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 3_000));
    const [ledgerA, ledgerB] = await Promise.all([onA.stop(), onB.stop()]);
    expect(await Promise.all(waiting)).toEqual(['connection lost', 'connection lost']);

    // B's clients never noticed.
    const bad = [...ledgerB.outcomes].filter(([k]) => !okOutcome(k));
    expect(bad).toEqual([]);
    expect(ledgerB.decisions.length).toBeGreaterThan(50);
    expect(ledgerA.decisions.length).toBeGreaterThan(10);

    // The expert on B answers every escalation A raised, including those whose requester died with A.
    for (const id of seen) {
      const res = await expert.post(`/v1/escalations/${id}/decision`, { decision: 'block', reason: 'late' });
      expect([id, res.status]).toEqual([id, 200]);
    }
    ctl.abort();
    await reading;

    const all: Ledger[] = [ledgerA, ledgerB];
    const decisions = [...all.flatMap((l) => l.decisions), ...raised.map((r) => r.body.decisionId)];
    const positions = all.flatMap((l) => l.positions);
    const store = new pg.Client({ connectionString: db.url });
    await store.connect();
    try {
      expect(await missingDecisions(store, decisions)).toEqual([]);
      expect(await missingPositions(store, positions)).toEqual([]);
      const decided = await store.query<{ n: string }>(
        `SELECT count(*) AS n FROM events WHERE stream = ANY($1) AND version = 2 AND type = 'EscalationDecided'`,
        [seen.map((id) => `escalation:${id}`)],
      );
      expect(Number(decided.rows[0]!.n)).toBe(5);
    } finally {
      await store.end();
    }
    console.log(
      `bridge kill: A acknowledged ${ledgerA.decisions.length} decisions + ${ledgerA.positions.length} events, ` +
        `B ${ledgerB.decisions.length} + ${ledgerB.positions.length}; A's clients saw ${JSON.stringify(Object.fromEntries(ledgerA.outcomes))}`,
    );
  }, 60_000);
});
