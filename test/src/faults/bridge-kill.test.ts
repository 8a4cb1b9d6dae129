// SIGKILL one of two bridge replicas (separate processes on one PostgreSQL)
// under load: the other replica's clients see no error, every decision and
// event either replica acknowledged is in the store, and escalations left
// pending on the dead replica are answered by an expert on the survivor, or,
// when nobody answers, expire to block there.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { ADMIN_AGENT, deriveAgentKey, issueCredential } from '@lighthouse/bridge/auth/credentials.js';
import { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { grantExpert, sseEvents, until } from '../bridge/harness.js';
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

// Long enough for the expert to answer after the kill; short enough to watch an orphan expire.
const ESCALATION_TIMEOUT_MS = 20_000;

beforeAll(async () => {
  db = await createTestDatabase();
  const env = { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: String(ESCALATION_TIMEOUT_MS) };
  a = await startBridgeProcess(db.url, masterHex, env);
  b = await startBridgeProcess(db.url, masterHex, env);
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
    const admin = new BridgeClient({
      url: b.url,
      credential: { agentId: ADMIN_AGENT, key: deriveAgentKey(master, ADMIN_AGENT) },
    });
    await grantExpert(admin, 'expert-b', ['*']);
    expect((await expert.post('/v1/experts', { capabilities: ['*'] })).status).toBe(201);
    const ctl = new AbortController();
    const stream = await expert.fetch('GET', '/v1/escalations/stream', undefined, ctl.signal);
    expect(stream.status).toBe(200);
    const seen: { id: string; input: { command: string } }[] = [];
    const reading = (async () => {
      try {
        for await (const e of sseEvents(stream, 'escalation')) seen.push(e as (typeof seen)[number]);
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
    // Two more that nobody will answer: their only timer dies with A.
    const orphans = await Promise.all(
      [6, 7].map((n) =>
        agentA.post<{ decision: string; decisionId: string }>('/v1/validate', {
          tool: 'Bash',
          input: { command: `systemctl restart svc${n}` },
          wait: false,
        }),
      ),
    );
    for (const r of orphans) expect(r.body.decision).toBe('escalate');
    const waiting = [4, 5].map((n) =>
      agentA.post('/v1/validate', { tool: 'Bash', input: { command: `systemctl restart svc${n}` } }).then(
        () => 'answered',
        () => 'connection lost',
      ),
    );
    await until(() => (seen.length === 7 ? true : undefined), 10_000);
    const orphan = (e: (typeof seen)[number]) => /svc[67]$/.test(e.input.command);
    const answered = seen.filter((e) => !orphan(e)).map((e) => e.id);
    const unanswered = seen.filter(orphan).map((e) => `escalation:${e.id}`);
    expect([answered.length, unanswered.length]).toEqual([5, 2]);

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
    for (const id of answered) {
      const res = await expert.post(`/v1/escalations/${id}/decision`, { decision: 'block', reason: 'late' });
      expect([id, res.status]).toEqual([id, 200]);
    }
    ctl.abort();
    await reading;

    const all: Ledger[] = [ledgerA, ledgerB];
    const decisions = [
      ...all.flatMap((l) => l.decisions),
      ...[...raised, ...orphans].map((r) => r.body.decisionId),
    ];
    const positions = all.flatMap((l) => l.positions);
    const store = new pg.Client({ connectionString: db.url });
    await store.connect();
    try {
      expect(await missingDecisions(store, decisions)).toEqual([]);
      expect(await missingPositions(store, positions)).toEqual([]);
      const decided = await store.query<{ n: string }>(
        `SELECT count(*) AS n FROM events WHERE stream = ANY($1) AND version = 2 AND type = 'EscalationDecided'`,
        [answered.map((id) => `escalation:${id}`)],
      );
      expect(Number(decided.rows[0]!.n)).toBe(5);
      // Nobody answered the orphans: B records their expiry once, a few seconds past the deadline.
      const expired = async () =>
        (
          await store.query<{ stream: string; version: number; type: string }>(
            `SELECT stream, version, type FROM events WHERE stream = ANY($1) AND version > 1 ORDER BY stream`,
            [unanswered],
          )
        ).rows;
      await until(
        async () => ((await expired()).length === 2 ? true : undefined),
        ESCALATION_TIMEOUT_MS + 20_000,
      );
      expect(await expired()).toEqual(
        [...unanswered].sort().map((stream) => ({ stream, version: 2, type: 'EscalationExpired' })),
      );
    } finally {
      await store.end();
    }
    console.log(
      `bridge kill: A acknowledged ${ledgerA.decisions.length} decisions + ${ledgerA.positions.length} events, ` +
        `B ${ledgerB.decisions.length} + ${ledgerB.positions.length}; A's clients saw ${JSON.stringify(Object.fromEntries(ledgerA.outcomes))}`,
    );
  }, 120_000);
});
