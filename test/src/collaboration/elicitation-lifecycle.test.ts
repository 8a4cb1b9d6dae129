// The elicitation lifecycle over HTTP on two bridges sharing one PostgreSQL
// database: real deadlines passing (the bridges' own expiry sweepers, every
// second by default), answers that arrive too late, every transition read back
// from the event store, the outcome metrics, and one replica seeing what the
// other did.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { sseEvents, startTestBridge, until, type TestBridge } from '../bridge/harness.js';

let db: TestDatabase;
let a: TestBridge;
let b: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await startTestBridge({ databaseUrl: db.url });
  b = await startTestBridge({ databaseUrl: db.url });
}, 120_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const schema = {
  type: 'object',
  properties: { port: { type: 'integer', minimum: 1, maximum: 65535 } },
  required: ['port'],
};

interface View {
  id: string;
  from: string;
  to: string;
  status: string;
  createdAt: string;
  expiresAt: string;
  resolvedAt?: string;
  resolvedBy?: string;
  content?: unknown;
  result?: { action: string; content?: unknown };
}
interface StoredEventView {
  type: string;
  version: number;
  data: Record<string, unknown>;
  metadata: { participants?: string[] };
  position: string;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { state?: string } };
}

async function ask(from: BridgeClient, to: string, timeoutSeconds: number): Promise<View> {
  const r = await from.post<View>('/v1/elicitations', {
    to,
    message: `${from.agentId} asks ${to}: which port?`,
    requestedSchema: schema,
    timeoutSeconds,
  });
  expect(r.status).toBe(201);
  expect(r.body.status).toBe('pending');
  return r.body;
}

/** The stored events of one elicitation, as the admin reads them. */
async function storedEvents(bridge: TestBridge, id: string): Promise<StoredEventView[]> {
  const r = await bridge.admin().get<{ events: StoredEventView[] }>(`/v1/events?stream=elicitation:${id}`);
  expect(r.status).toBe(200);
  return r.body.events;
}

/** The value of one `{outcome="…"}` sample on a bridge's /metrics (0 when absent). */
async function sample(bridge: TestBridge, name: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${bridge.url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{outcome="${outcome}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Summed over both replicas: an outcome is counted by the replica that wrote it. */
const fleet = async (name: string, outcome: string) =>
  (await sample(a, name, outcome)) + (await sample(b, name, outcome));

const OUTCOMES = ['accepted', 'declined', 'cancelled', 'expired'] as const;
const COUNT = 'lighthouse_bridge_elicitations_total';
const DURATION_COUNT = 'lighthouse_bridge_elicitation_duration_seconds_count';
const DURATION_SUM = 'lighthouse_bridge_elicitation_duration_seconds_sum';

async function snapshot() {
  const s: Record<string, number> = {};
  for (const o of OUTCOMES) {
    for (const n of [COUNT, DURATION_COUNT, DURATION_SUM]) s[`${n}/${o}`] = await fleet(n, o);
  }
  return s;
}

/** An SSE stream of `elicitation` events, closed by `close()`. */
async function stream(client: BridgeClient, as: 'target' | 'requester') {
  const ctl = new AbortController();
  const res = await client.fetch('GET', `/v1/elicitations/stream?role=${as}`, undefined, ctl.signal);
  expect(res.status).toBe(200);
  const events = sseEvents(res, 'elicitation') as AsyncGenerator<View>;
  return {
    /** The next event about `id` in state `status` (others are skipped). */
    async next(id: string, status: string): Promise<View> {
      for (;;) {
        const { value, done } = await events.next();
        if (done) throw new Error('stream ended');
        if (value.id === id && value.status === status) return value;
      }
    },
    close: () => ctl.abort(),
  };
}

/** Rejects if `p` has not settled in `ms` (so a missing event fails fast instead of at the jest timeout). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing in ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const sleepUntil = async (iso: string) => {
  const ms = new Date(iso).getTime() - Date.now() + 5;
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
};

describe('elicitation expiry in a running bridge', () => {
  it('past timeoutSeconds the long poll, the SSE stream and a plain GET report expired, with MCP result {action: "cancel"}', async () => {
    const requester = a.client('exp-req');
    const target = a.client('exp-tgt');
    const rStream = await stream(requester, 'requester');
    const tStream = await stream(target, 'target');
    try {
      const e = await ask(requester, 'exp-tgt', 1);
      expect(new Date(e.expiresAt).getTime() - new Date(e.createdAt).getTime()).toBe(1000);
      // The long poll waits far longer than the deadline: only the expiry ends it early.
      const polled = requester.get<View>(`/v1/elicitations/${e.id}?wait=20`);
      expect(await within(tStream.next(e.id, 'pending'), 5_000, 'target stream')).toMatchObject({
        from: 'exp-req',
      });

      const outcome = await within(polled, 10_000, 'long poll');
      expect(outcome.status).toBe(200);
      const expired = {
        id: e.id,
        status: 'expired',
        resolvedAt: e.expiresAt,
        result: { action: 'cancel' },
      };
      expect(outcome.body).toMatchObject(expired);
      expect(outcome.body.resolvedBy).toBeUndefined();
      expect(outcome.body.content).toBeUndefined();
      expect(outcome.body.result).toEqual({ action: 'cancel' });
      expect(Date.now()).toBeGreaterThanOrEqual(new Date(e.expiresAt).getTime());

      expect(await within(rStream.next(e.id, 'expired'), 5_000, 'requester stream')).toMatchObject(expired);
      expect(await within(tStream.next(e.id, 'expired'), 5_000, 'target stream')).toMatchObject(expired);
      for (const who of [requester, target]) {
        const plain = await who.get<View>(`/v1/elicitations/${e.id}`);
        expect(plain.body).toMatchObject(expired);
      }
      const listed = async (status: string) =>
        (
          await target.get<{ elicitations: View[] }>(`/v1/elicitations?role=target&status=${status}`)
        ).body.elicitations.map((x) => x.id);
      expect(await listed('pending')).not.toContain(e.id);
      expect(await listed('expired')).toContain(e.id);
    } finally {
      rStream.close();
      tStream.close();
    }
  });

  it('an answer that arrives after the deadline is refused 409 not_pending, and the expiry is stored once', async () => {
    const requester = a.client('late-req');
    const target = a.client('late-tgt');
    const late = 'the elicitation expired before the answer arrived';
    const messages = new Set<string>();
    // Whichever comes first after the deadline, the answer or a sweeper (each bridge
    // sweeps once a second), stores the expiry; the answer's own path ("expired before
    // the answer arrived") wins unless a sweep falls in the few milliseconds between
    // deadline and answer. A few tries make sure that path is the one exercised.
    for (let attempt = 0; attempt < 5 && !messages.has(late); attempt++) {
      const before = await fleet(COUNT, 'expired');
      const e = await ask(requester, 'late-tgt', 0.02);
      await sleepUntil(e.expiresAt);
      const r = await target.post<ErrorBody>(`/v1/elicitations/${e.id}/accept`, { content: { port: 8080 } });
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: 'not_pending', details: { state: 'expired' } });
      messages.add(r.body.error.message);

      const events = await storedEvents(a, e.id);
      expect(events.map((x) => [x.type, x.version])).toEqual([
        ['ElicitationRequested', 1],
        ['ElicitationExpired', 2],
      ]);
      expect(events[1]!.data).toEqual({ id: e.id, at: e.expiresAt });
      expect(events[1]!.metadata.participants).toEqual(['late-req', 'late-tgt']);
      const after = await requester.get<View>(`/v1/elicitations/${e.id}`);
      expect(after.body).toMatchObject({ status: 'expired', result: { action: 'cancel' } });
      expect(after.body.content).toBeUndefined();
      // Every later command is refused the same way; nothing more is stored.
      const again = await target.post<ErrorBody>(`/v1/elicitations/${e.id}/decline`, {});
      expect([again.status, again.body.error.code, again.body.error.details?.state]).toEqual([
        409,
        'not_pending',
        'expired',
      ]);
      expect((await requester.post(`/v1/elicitations/${e.id}/cancel`, {})).status).toBe(409);
      expect(await storedEvents(a, e.id)).toHaveLength(2);
      // Counted once across the fleet, whichever replica stored it.
      await until(async () => ((await fleet(COUNT, 'expired')) === before + 1 ? true : undefined));
    }
    expect([...messages]).toContain(late);
    for (const m of messages) expect(['the elicitation is already expired', late]).toContain(m);
  });
});

describe('every transition is an event', () => {
  it('accepted, declined, cancelled and expired are read back from elicitation:<id> in order, naming both participants, and each is counted with its duration', async () => {
    const requester = a.client('ev-req');
    const target = a.client('ev-tgt');
    const before = await snapshot();

    const accepted = await ask(requester, 'ev-tgt', 60);
    const declined = await ask(requester, 'ev-tgt', 60);
    const cancelled = await ask(requester, 'ev-tgt', 60);
    const expired = await ask(requester, 'ev-tgt', 1);
    const polled = requester.get<View>(`/v1/elicitations/${expired.id}?wait=20`);
    expect(
      (await target.post(`/v1/elicitations/${accepted.id}/accept`, { content: { port: 8080 } })).status,
    ).toBe(200);
    expect((await target.post(`/v1/elicitations/${declined.id}/decline`, {})).status).toBe(200);
    expect((await requester.post(`/v1/elicitations/${cancelled.id}/cancel`, {})).status).toBe(200);
    expect((await within(polled, 10_000, 'long poll')).body.status).toBe('expired');

    const expectations: [View, string, Record<string, unknown>][] = [
      [accepted, 'ElicitationAccepted', { by: 'ev-tgt', content: { port: 8080 } }],
      [declined, 'ElicitationDeclined', { by: 'ev-tgt' }],
      [cancelled, 'ElicitationCancelled', { by: 'ev-req' }],
      [expired, 'ElicitationExpired', { at: expired.expiresAt }],
    ];
    for (const [e, type, data] of expectations) {
      const events = await storedEvents(a, e.id);
      expect(events.map((x) => [x.type, x.version])).toEqual([
        ['ElicitationRequested', 1],
        [type, 2],
      ]);
      expect(BigInt(events[0]!.position)).toBeLessThan(BigInt(events[1]!.position));
      for (const x of events) expect(x.metadata.participants).toEqual(['ev-req', 'ev-tgt']);
      expect(events[0]!.data).toMatchObject({
        id: e.id,
        from: 'ev-req',
        to: 'ev-tgt',
        createdAt: e.createdAt,
        expiresAt: e.expiresAt,
      });
      expect(events[1]!.data).toMatchObject({ id: e.id, ...data });
      // The state served is the state stored.
      const view = (await requester.get<View>(`/v1/elicitations/${e.id}`)).body;
      expect(view.resolvedAt).toBe(events[1]!.data.at);
      expect(view.resolvedBy).toBe(events[1]!.data.by);
      // Both participants may read the stream; nobody else.
      expect((await target.get(`/v1/events?stream=elicitation:${e.id}`)).status).toBe(200);
      expect((await a.client('ev-other').get(`/v1/events?stream=elicitation:${e.id}`)).status).toBe(403);
    }

    // Metrics: one of each outcome, each with one duration observation; an expired
    // one lasted exactly its timeout (its outcome is dated at the deadline).
    const after = await until(async () => {
      const s = await snapshot();
      return OUTCOMES.every((o) => s[`${COUNT}/${o}`]! > before[`${COUNT}/${o}`]!) ? s : undefined;
    });
    for (const o of OUTCOMES) {
      expect([o, after[`${COUNT}/${o}`]! - before[`${COUNT}/${o}`]!]).toEqual([o, 1]);
      expect([o, after[`${DURATION_COUNT}/${o}`]! - before[`${DURATION_COUNT}/${o}`]!]).toEqual([o, 1]);
      expect(after[`${DURATION_SUM}/${o}`]!).toBeGreaterThan(before[`${DURATION_SUM}/${o}`]!);
    }
    expect(after[`${DURATION_SUM}/expired`]! - before[`${DURATION_SUM}/expired`]!).toBeCloseTo(1, 6);
  });
});

describe('two replicas on one database', () => {
  it('a cancel on one replica ends the target’s long poll and SSE stream on the other', async () => {
    const requester = a.client('rep-req');
    const targetOnB = b.client('rep-tgt');
    const tStream = await stream(targetOnB, 'target');
    try {
      const e = await ask(requester, 'rep-tgt', 60);
      expect(await within(tStream.next(e.id, 'pending'), 5_000, 'target stream on b')).toMatchObject({
        from: 'rep-req',
      });
      const svc = b.services.elicitations;
      const listening = svc.listening;
      const polled = targetOnB.get<View>(`/v1/elicitations/${e.id}?wait=20`);
      // The long poll is listening on b before the cancel is written on a.
      await until(() => (svc.listening === listening + 1 ? true : undefined));
      expect((await requester.post(`/v1/elicitations/${e.id}/cancel`, {})).status).toBe(200);
      const cancelled = {
        id: e.id,
        status: 'cancelled',
        resolvedBy: 'rep-req',
        result: { action: 'cancel' },
      };
      expect((await within(polled, 10_000, 'long poll on b')).body).toMatchObject(cancelled);
      expect(await within(tStream.next(e.id, 'cancelled'), 5_000, 'target stream on b')).toMatchObject(
        cancelled,
      );
      const tooLate = await targetOnB.post<ErrorBody>(`/v1/elicitations/${e.id}/accept`, {
        content: { port: 1 },
      });
      expect([tooLate.status, tooLate.body.error.details?.state]).toEqual([409, 'cancelled']);
      expect((await storedEvents(b, e.id)).map((x) => x.type)).toEqual([
        'ElicitationRequested',
        'ElicitationCancelled',
      ]);
    } finally {
      tStream.close();
    }
  });

  it('an elicitation created on one replica expires for a requester long-polling the other, stored and counted once across both', async () => {
    const requester = a.client('rep2-req');
    const before = await fleet(COUNT, 'expired');
    const e = await ask(requester, 'rep2-tgt', 1);
    const polled = b.client('rep2-req').get<View>(`/v1/elicitations/${e.id}?wait=20`);
    expect((await within(polled, 10_000, 'long poll on b')).body).toMatchObject({
      id: e.id,
      status: 'expired',
      resolvedAt: e.expiresAt,
      result: { action: 'cancel' },
    });
    // Both replicas' sweepers were due; one wrote the expiry, the other's append lost.
    await until(async () =>
      (await a.client('rep2-tgt').get<View>(`/v1/elicitations/${e.id}`)).body.status === 'expired'
        ? true
        : undefined,
    );
    expect((await storedEvents(a, e.id)).map((x) => x.type)).toEqual([
      'ElicitationRequested',
      'ElicitationExpired',
    ]);
    await until(async () => ((await fleet(COUNT, 'expired')) > before ? true : undefined));
    // The losing replica's sweeper ticks once a second: let one tick pass, so a
    // double count would show.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await fleet(COUNT, 'expired')) - before).toBe(1);
  });
});
