// Two brokers on one PostgreSQL store, as two replicas see an escalation.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openEventStore, type EventStore } from '../events/index.js';
import { ExpertRegistry } from '../experts/registry.js';
import { createLogger } from '../logging/logger.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { EscalationBroker, type Escalation } from './broker.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function broker(db: TestDatabase, replicaId: string, timeoutMs: number, store?: EventStore) {
  const s = store ?? (await openEventStore({ url: db.url }));
  const logger = createLogger('error');
  logger.silent = true;
  const b = new EscalationBroker({ store: s, registry: new ExpertRegistry(), replicaId, timeoutMs, logger });
  await b.start();
  cleanup.push(async () => {
    await b.stop();
    await s.close();
  });
  return b;
}

/** Granted `capabilities` by the administrator and registered for them. */
async function expert(b: EscalationBroker, id: string, capabilities: string[]): Promise<void> {
  await b.grantExpert(id, capabilities, 'admin');
  await b.registerExpert(id, capabilities);
}

const request = {
  decisionId: 'd1',
  agentId: 'agent',
  call: { tool: 'Bash', input: { command: 'systemctl restart x' } },
  reason: 'privileged',
  ruleId: null,
  category: 'privileged',
};

describe('EscalationBroker', () => {
  it('an escalation resolved while another replica was still reading it does not come back as pending there', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    // Replica b reads the escalation's stream at once, but hands the result over only later.
    const store = await openEventStore({ url: db.url });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reads = 0;
    const readStream = store.readStream.bind(store);
    store.readStream = async (...args) => {
      const events = await readStream(...args);
      if (args[0].startsWith('escalation:')) {
        reads++;
        await held;
      }
      return events;
    };
    const b = await broker(db, 'b', 60_000, store);
    const a = await broker(db, 'a', 200);
    const outcome = await a.escalate(request);
    expect(outcome).toMatchObject({ decision: 'block', timedOut: true });
    expect(reads).toBe(1); // b read it while it was open
    await new Promise((r) => setTimeout(r, 300)); // and has been told it is resolved
    release();
    await new Promise((r) => setTimeout(r, 100));
    expect(b.pendingCount).toBe(0);
  }, 30_000);
  it("knows an expert another replica registered while its notice was lost, from the expert's stream", async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const b = await broker(db, 'b', 60_000);
    await b.stop(); // no longer listening: the registration's notice will not reach it
    const a = await broker(db, 'a', 60_000);
    await expert(a, 'late-expert', ['privileged']);
    await expect(b.requireExpert('late-expert')).resolves.toBeUndefined();
    await expect(b.requireExpert('never-registered')).rejects.toMatchObject({
      status: 403,
      code: 'not_granted',
    });
    expect(b.pendingFor('late-expert')).toEqual([]);
    // Nor does the revocation's notice: b, which knew the expert, reads that from the stream too.
    await a.revokeGrant('late-expert', 'admin');
    await expect(b.requireExpert('late-expert')).rejects.toMatchObject({ status: 403, code: 'not_granted' });
  }, 30_000);

  it('a registration the grant does not cover is refused and stored nowhere, also when the grant narrows under it', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const store = await openEventStore({ url: db.url });
    const a = await broker(db, 'a', 60_000, store);
    const stored = async () => (await store.readStream('expert:hal')).map((e) => e.type);
    await expect(a.registerExpert('hal', ['privileged'])).rejects.toMatchObject({
      status: 403,
      code: 'not_granted',
    });
    expect(await stored()).toEqual([]);
    await a.grantExpert('hal', ['network', 'privileged'], 'admin');
    await expect(a.registerExpert('hal', ['network', 'secrets', '*'])).rejects.toMatchObject({
      status: 403,
      code: 'not_granted',
      message: expect.stringContaining('secrets, *'),
    });
    // Another replica narrows the grant after this one read it, before its registration is appended.
    const append = store.append.bind(store);
    let narrowed = false;
    store.append = async (stream, events, opts) => {
      if (events[0]?.type === 'ExpertRegistered' && !narrowed) {
        narrowed = true;
        await append(stream, [
          { type: 'ExpertGranted', data: { expertId: 'hal', capabilities: ['network'] } },
        ]);
      }
      return append(stream, events, opts);
    };
    await expect(a.registerExpert('hal', ['privileged'])).rejects.toMatchObject({ code: 'not_granted' });
    expect(await stored()).toEqual(['ExpertGranted', 'ExpertGranted']);
  }, 30_000);
  it('an answer after the deadline is refused and the expiry recorded instead', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const store = await openEventStore({ url: db.url });
    // Raised by a replica that is gone, its deadline a second ago: the orphan expiry is 4 s away.
    const id = randomUUID();
    const past = Date.now() - 1_000;
    await store.append(`escalation:${id}`, [
      {
        type: 'EscalationRequested',
        data: {
          ...request,
          id,
          sessionId: null,
          routedTo: null,
          createdAt: new Date(past - 30_000).toISOString(),
          deadline: new Date(past).toISOString(),
        },
      },
    ]);
    const b = await broker(db, 'b', 60_000, store);
    expect(b.pendingCount).toBe(1);
    await expert(b, 'late', ['*']);
    await expect(b.decide('late', id, 'allow', 'too late')).rejects.toMatchObject({ status: 409 });
    const events = await store.readStream(`escalation:${id}`);
    expect(events.map((e) => e.type)).toEqual(['EscalationRequested', 'EscalationExpired']);
    expect(b.pendingCount).toBe(0);
  }, 30_000);

  it('an expiry the store refuses blocks the caller at once and is recorded once the store takes it', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const store = await openEventStore({ url: db.url });
    let refused = 0;
    const append = store.append.bind(store);
    store.append = async (stream, events, opts) => {
      if (events[0]?.type === 'EscalationExpired' && refused++ === 0) throw new Error('store unavailable');
      return append(stream, events, opts);
    };
    const a = await broker(db, 'a', 100, store);
    expect(await a.escalate(request)).toMatchObject({ decision: 'block', timedOut: true });
    const [requested] = await store
      .readAll({ types: ['EscalationRequested'], limit: 1 })
      .then((p) => p.events);
    expect((await store.readStream(requested!.stream)).map((e) => e.type)).toEqual(['EscalationRequested']);
    for (let i = 0; i < 200 && (await store.readStream(requested!.stream)).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await store.readStream(requested!.stream)).map((e) => e.type)).toEqual([
      'EscalationRequested',
      'EscalationExpired',
    ]);
  }, 30_000);
  it('an agent that is also an expert is never routed, offered or allowed its own escalation', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const store = await openEventStore({ url: db.url });
    const a = await broker(db, 'a', 1_000, store);
    await expert(a, 'agent', ['*']); // the agent that raises below
    const offered: string[] = [];
    const disconnect = a.connect('agent', (e) => offered.push(e.id));
    try {
      const outcome = a.escalate(request);
      const [raised] = await (async () => {
        for (;;) {
          const page = await store.readAll({ types: ['EscalationRequested'], limit: 1 });
          if (page.events.length) return page.events;
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const id = raised!.stream.slice('escalation:'.length);
      expect((raised!.data as { routedTo: unknown }).routedTo).toBeNull();
      expect(a.pendingFor('agent')).toEqual([]);
      await expect(a.decide('agent', id, 'allow', 'fine by me')).rejects.toMatchObject({
        status: 403,
        code: 'own_escalation',
      });
      expect(await outcome).toMatchObject({ decision: 'block', timedOut: true });
      expect(offered).toEqual([]);
    } finally {
      disconnect();
    }
  }, 30_000);

  /** A replica with its own registry, quick heartbeats and reconnect grace; `listenFilter` sees each notice first. */
  async function replica(db: TestDatabase, id: string, listenFilter?: (payload: string) => boolean) {
    const store = await openEventStore({ url: db.url });
    if (listenFilter) {
      const listen = store.db.listen.bind(store.db);
      store.db.listen = (channel, onPayload) => {
        const filtered = (payload: string) => {
          if (listenFilter(payload)) onPayload(payload);
        };
        listeners.set(id, filtered);
        return listen(channel, filtered);
      };
    }
    const logger = createLogger('error');
    logger.silent = true;
    const registry = new ExpertRegistry();
    const b = new EscalationBroker({
      store,
      registry,
      replicaId: id,
      timeoutMs: 60_000,
      logger,
      graceMs: 50,
      heartbeatMs: 100,
    });
    await b.start();
    cleanup.push(async () => {
      await b.stop();
      await store.close();
    });
    return { broker: b, registry, store };
  }
  const listeners = new Map<string, (payload: string) => void>();
  const until = async (cond: () => boolean) => {
    for (let i = 0; !cond(); i++) {
      if (i > 400) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('a replica killed with an expert connected: once silent for three heartbeats, its connection no longer counts and its escalation goes to another expert; heard again, it is asked for its experts', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const a = await replica(db, 'a');
    const b = await replica(db, 'b');
    await expert(a.broker, 'xena', ['privileged']);
    await expert(b.broker, 'yuri', ['privileged']);
    a.broker.connect('xena', () => undefined);
    const offered: string[] = [];
    b.broker.connect('yuri', (e) => offered.push(e.id));
    await until(() => b.registry.isConnected('xena'));
    // Equal load: routed to xena, which yuri may then not answer.
    const outcome = b.broker.escalate(request);
    await until(() => b.broker.pendingCount === 1);
    const [routed] = [...(b.broker as unknown as { pending: Map<string, Escalation> }).pending.values()];
    expect(routed).toMatchObject({ routedTo: 'xena' });
    expect(b.broker.pendingFor('yuri')).toEqual([]);
    // Replica a dies (or is cut off): it says nothing more, not even that its expert is gone.
    const notify = a.store.db.notify;
    a.store.db.notify = () => Promise.reject(new Error('killed'));
    await until(() => !b.registry.isConnected('xena'));
    expect(offered).toEqual([routed!.id]);
    await b.broker.decide('yuri', routed!.id, 'allow', 'fine');
    expect(await outcome).toMatchObject({ decision: 'allow', expertId: 'yuri' });
    // Heard from again (it was only cut off): asked, it announces the expert it still holds.
    a.store.db.notify = notify;
    await until(() => b.registry.isConnected('xena'));
  }, 30_000);

  it('a replica whose LISTEN connection came back forgets the connections it may have missed the end of', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    let deaf = false;
    const missed: string[] = [];
    const a = await replica(db, 'a');
    const b = await replica(db, 'b', (payload) => (deaf ? (missed.push(payload), false) : true));
    await expert(a.broker, 'xena', ['privileged']);
    const disconnect = a.broker.connect('xena', () => undefined);
    await until(() => b.registry.isConnected('xena'));
    // b misses the disconnect a announces (after its grace), as with a LISTEN connection lost.
    deaf = true;
    disconnect();
    await until(() => missed.some((p) => p.includes('"connected":false')));
    expect(b.registry.isConnected('xena')).toBe(true);
    deaf = false;
    listeners.get('b')!(''); // the connection is back: notifications may have been missed
    await until(() => !b.registry.isConnected('xena'));
    // What a still holds is announced again: a connection made now is known to b.
    a.broker.connect('xena', () => undefined);
    await until(() => b.registry.isConnected('xena'));
  }, 30_000);
});
