import { afterAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { openEventStore, type EventStore } from '../events/index.js';
import { DRIVERS, testTarget, type TestTarget } from '../storage/test-databases.js';
import { ElicitationMetrics } from './metrics.js';
import { ElicitationError, ElicitationService } from './service.js';

const schema = { type: 'object', properties: { port: { type: 'integer', minimum: 1 } }, required: ['port'] };
const ask = { to: 'bob', message: 'Which port?', requestedSchema: schema, timeoutSeconds: 60 };

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function open(target: TestTarget, opts: ConstructorParameters<typeof ElicitationService>[1] = {}) {
  const store: EventStore = await openEventStore({
    ...target.location,
    subscription: { pollIntervalMs: 200 },
  });
  const service = new ElicitationService(store, { sweepIntervalMs: 100_000, ...opts });
  await service.start();
  const close = async () => {
    await service.close();
    await store.close();
  };
  return { store, service, close };
}

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ElicitationError)
      return { status: err.status, code: err.code, message: err.message, details: err.details };
    throw err;
  }
  throw new Error('expected a refusal');
};

describe.each(DRIVERS)('ElicitationService on %s', (driver) => {
  it('create → long-poll → accept delivers the content to the requester, and survives a restart', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    const registry = new Registry();
    const a = await open(target, { metrics: new ElicitationMetrics(registry) });
    const e = await a.service.create('alice', ask);
    expect(e).toMatchObject({ status: 'pending', from: 'alice', to: 'bob' });
    expect(a.service.list('bob', 'target', 'pending').map((x) => x.id)).toEqual([e.id]);

    const waiting = a.service.wait(e.id, 'alice', 10);
    expect(
      await refusal(a.service.command(e.id, { kind: 'accept', actor: 'bob', content: { port: 0 } })),
    ).toMatchObject({
      status: 422,
      code: 'invalid_content',
    });
    expect((await a.service.get(e.id, 'alice')).status).toBe('pending');
    await a.service.command(e.id, { kind: 'accept', actor: 'bob', content: { port: 8080 } });
    expect(await waiting).toMatchObject({ status: 'accepted', content: { port: 8080 } });
    expect(await registry.getSingleMetricAsString('lighthouse_bridge_elicitations_total')).toMatch(
      /lighthouse_bridge_elicitations_total\{outcome="accepted"\} 1/,
    );
    await a.close();

    const b = await open(target); // a restarted bridge rebuilds from the store
    expect(await b.service.get(e.id, 'bob')).toMatchObject({
      status: 'accepted',
      content: { port: 8080 },
      version: 2,
    });
    expect(await refusal(b.service.command(e.id, { kind: 'cancel', actor: 'alice' }))).toMatchObject({
      status: 409,
    });
    await b.close();
  });
});

// The rest is driver-independent logic; PGlite's start-up is slow, so it runs on the server only.
describe('ElicitationService', () => {
  const driver = 'pg' as const;

  it('refuses bad requests with the offending path, storing nothing', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    const a = await open(target);
    const bad = { ...ask, requestedSchema: { type: 'object', properties: { x: { type: 'array' } } } };
    expect(await refusal(a.service.create('alice', bad))).toMatchObject({
      status: 400,
      code: 'invalid_schema',
      details: { problems: [{ path: '/requestedSchema/properties/x/type' }] },
    });
    expect(await refusal(a.service.create('alice', { ...ask, to: '../x' }))).toMatchObject({ status: 400 });
    expect(await refusal(a.service.create('alice', { ...ask, timeoutSeconds: -1 }))).toMatchObject({
      status: 400,
    });
    expect((await a.store.readAll({ types: ['ElicitationRequested'] })).events).toEqual([]);
    await a.close();
  });

  it('tells a change to the long polls on that elicitation and the watchers of its participants only', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    const a = await open(target);
    const seen: Record<string, string[]> = { alice: [], bob: [], carol: [] };
    const stops = Object.keys(seen).map((agent) =>
      a.service.watch(agent, (e) => seen[agent]!.push(e.status)),
    );
    const e1 = await a.service.create('alice', ask);
    const e2 = await a.service.create('carol', { ...ask, to: 'dave' });
    const other = a.service.wait(e2.id, 'carol', 10);
    const own = a.service.wait(e1.id, 'alice', 10);
    while (a.service.listening < 5) await new Promise((r) => setTimeout(r, 5)); // both long polls listen
    await a.service.command(e1.id, { kind: 'accept', actor: 'bob', content: { port: 1 } });
    expect((await own).status).toBe('accepted');
    expect(seen).toEqual({
      alice: ['pending', 'accepted'],
      bob: ['pending', 'accepted'],
      carol: ['pending'],
    });
    expect(a.service.listening).toBe(4); // e2's long poll still waits
    await a.service.command(e2.id, { kind: 'cancel', actor: 'carol' });
    expect((await other).status).toBe('cancelled');
    for (const stop of stops) stop();
    expect(a.service.listening).toBe(0);
    await a.close();
  });

  it('expires past the deadline and only the participants may see or act', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    let now = new Date('2026-03-01T00:00:00Z');
    const a = await open(target, { now: () => now });
    const e = await a.service.create('alice', { ...ask, timeoutSeconds: 5 });
    expect(await refusal(a.service.command(e.id, { kind: 'decline', actor: 'alice' }))).toMatchObject({
      status: 403,
    });
    expect(await refusal(a.service.command(e.id, { kind: 'cancel', actor: 'bob' }))).toMatchObject({
      status: 403,
    });
    await expect(a.service.get(e.id, 'eve')).rejects.toThrow(ElicitationError);
    expect(await a.service.expireDue()).toBe(0);
    now = new Date('2026-03-01T00:00:06Z');
    expect(await a.service.expireDue()).toBe(1);
    expect((await a.service.get(e.id, 'alice')).status).toBe('expired');
    await a.close();
  });

  it('a read past the deadline, before any sweep, records the expiry and reports it', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    let now = new Date('2026-03-01T00:00:00Z');
    const a = await open(target, { now: () => now }); // its sweeper never runs here
    const e = await a.service.create('alice', { ...ask, timeoutSeconds: 5 });
    now = new Date('2026-03-01T00:00:05Z');
    expect(await a.service.get(e.id, 'bob')).toMatchObject({ status: 'expired' });
    expect(await a.service.wait(e.id, 'alice', 10)).toMatchObject({ status: 'expired' });
    const stored = await a.store.readStream(`elicitation:${e.id}`);
    expect(stored.map((x) => x.type)).toEqual(['ElicitationRequested', 'ElicitationExpired']);
    expect(await a.service.expireDue()).toBe(0);
    await a.close();
  });

  it('a long poll that outlasts the deadline before any sweep ends with the expiry, not pending', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    let now = new Date('2026-03-01T00:00:00Z');
    const a = await open(target, { now: () => now }); // its sweeper never runs here
    const e = await a.service.create('alice', { ...ask, timeoutSeconds: 5 });
    const waiting = a.service.wait(e.id, 'alice', 0.2);
    now = new Date('2026-03-01T00:00:05Z'); // the deadline passes while it waits
    expect(await waiting).toMatchObject({ status: 'expired' });
    const stored = await a.store.readStream(`elicitation:${e.id}`);
    expect(stored.map((x) => x.type)).toEqual(['ElicitationRequested', 'ElicitationExpired']);
    await a.close();
  });

  it('an answer at or after the deadline stores the expiry instead and is refused 409; one just before it is taken', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    let now = new Date('2026-03-01T00:00:00Z');
    const registry = new Registry();
    // The sweeper never runs here (open() sets it to 100 s): only the answer can notice the deadline.
    const a = await open(target, { now: () => now, metrics: new ElicitationMetrics(registry) });
    const late = await a.service.create('alice', { ...ask, timeoutSeconds: 5 });
    const inTime = await a.service.create('alice', { ...ask, timeoutSeconds: 5 });
    const waiting = a.service.wait(late.id, 'alice', 10);

    now = new Date('2026-03-01T00:00:04.999Z');
    expect(
      await a.service.command(inTime.id, { kind: 'accept', actor: 'bob', content: { port: 8080 } }),
    ).toMatchObject({ status: 'accepted' });
    now = new Date('2026-03-01T00:00:05Z');
    expect(
      await refusal(a.service.command(late.id, { kind: 'accept', actor: 'bob', content: { port: 8080 } })),
    ).toEqual({
      status: 409,
      code: 'not_pending',
      message: 'the elicitation expired before the answer arrived',
      details: { state: 'expired' },
    });
    expect(await waiting).toMatchObject({ status: 'expired', resolvedAt: late.expiresAt });
    expect(await a.service.get(late.id, 'bob')).toMatchObject({ status: 'expired', version: 2 });
    const stored = await a.store.readStream(`elicitation:${late.id}`);
    expect(stored.map((x) => x.type)).toEqual(['ElicitationRequested', 'ElicitationExpired']);
    expect(stored[1]!.data).toEqual({ id: late.id, at: '2026-03-01T00:00:05.000Z' });
    expect(stored[1]!.metadata).toMatchObject({ participants: ['alice', 'bob'] });

    // Stored once: later commands and the sweeper find it already expired.
    expect(await refusal(a.service.command(late.id, { kind: 'cancel', actor: 'alice' }))).toMatchObject({
      status: 409,
      message: 'the elicitation is already expired',
      details: { state: 'expired' },
    });
    expect(await a.service.expireDue()).toBe(0);
    expect(await a.store.readStream(`elicitation:${late.id}`)).toHaveLength(2);

    // Counted as expired (not accepted), lasting exactly its timeout.
    const metrics = (await registry.metrics()).split('\n');
    expect(metrics).toContain('lighthouse_bridge_elicitations_total{outcome="expired"} 1');
    expect(metrics).toContain('lighthouse_bridge_elicitations_total{outcome="accepted"} 1');
    expect(metrics).toContain('lighthouse_bridge_elicitation_duration_seconds_sum{outcome="expired"} 5');
    expect(metrics).toContain('lighthouse_bridge_elicitation_duration_seconds_count{outcome="expired"} 1');
    await a.close();
  });

  it('keeps every pending elicitation but only the newest resolved ones in memory; older ones are read by id', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    const a = await open(target, { keepResolved: 3 });
    const done = [];
    for (let i = 0; i < 5; i++) {
      const e = await a.service.create('alice', ask);
      done.push(await a.service.command(e.id, { kind: 'decline', actor: 'bob' }));
    }
    const open1 = await a.service.create('alice', ask);
    const requested = (service: ElicitationService) =>
      service
        .list('alice', 'requester')
        .map((x) => x.id)
        .sort();
    const listed = requested(a.service);
    expect(listed).toEqual([...done.slice(2).map((x) => x.id), open1.id].sort());
    // the two oldest left the view, not the store
    expect(await a.service.get(done[0]!.id, 'alice')).toMatchObject({ status: 'declined', version: 2 });
    await expect(a.service.get(done[0]!.id, 'eve')).rejects.toMatchObject({ status: 404 });
    expect(await a.service.wait(done[1]!.id, 'bob', 5)).toMatchObject({ status: 'declined' });
    expect(await refusal(a.service.command(done[1]!.id, { kind: 'cancel', actor: 'alice' }))).toMatchObject({
      status: 409,
      code: 'not_pending',
    });
    // reading old ones does not bring them back into the view
    expect(requested(a.service)).toEqual(listed);
    // a restart rebuilds the same bounded view
    await a.close();
    const b = await open(target, { keepResolved: 3 });
    expect(requested(b.service)).toEqual(listed);
    await b.close();
  });

  it('bounds the resolved ones kept by their size as well as their number', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    const size = async (service: ElicitationService) => {
      const e = await service.create('alice', ask);
      return JSON.stringify(await service.command(e.id, { kind: 'decline', actor: 'bob' })).length;
    };
    const probe = await open(target);
    const one = await size(probe.service);
    await probe.close();
    const a = await open(target, { keepResolvedChars: Math.floor(2.5 * one) });
    const done = [];
    for (let i = 0; i < 4; i++) {
      const e = await a.service.create('alice', ask);
      done.push((await a.service.command(e.id, { kind: 'decline', actor: 'bob' })).id);
    }
    expect(a.service.list('alice', 'requester').map((x) => x.id)).toEqual(done.slice(2));
    await a.close();
  });

  it('caps pending elicitations per requester and per target: 429 quota_exceeded, nothing stored, freed when one resolves', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    const caps = { maxPendingPerRequester: 2, maxPendingPerTarget: 3 };
    const a = await open(target, caps);
    const first = await a.service.create('alice', ask);
    await a.service.create('alice', ask);
    const stored = async () => (await a.store.readAll({ types: ['ElicitationRequested'] })).events.length;
    expect(await refusal(a.service.create('alice', { ...ask, to: 'carol' }))).toEqual({
      status: 429,
      code: 'quota_exceeded',
      message:
        'alice has asked 2 pending elicitations, the most LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_REQUESTER (2) allows; ' +
        'one frees when it is answered, declined, cancelled or expires',
      details: { limit: 2, variable: 'LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_REQUESTER' },
    });
    await a.service.create('carol', ask);
    expect(await refusal(a.service.create('dave', ask))).toMatchObject({
      status: 429,
      code: 'quota_exceeded',
      details: { limit: 3, variable: 'LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_TARGET' },
    });
    expect(await stored()).toBe(3);
    // Resolving one frees a place for its requester and its target.
    await a.service.command(first.id, { kind: 'cancel', actor: 'alice' });
    expect((await a.service.create('alice', ask)).status).toBe('pending');
    expect(await refusal(a.service.create('alice', { ...ask, to: 'carol' }))).toMatchObject({ status: 429 });
    // A replica rebuilt from the store counts the same.
    const b = await open(target, caps);
    expect(await refusal(b.service.create('alice', { ...ask, to: 'carol' }))).toMatchObject({ status: 429 });
    expect(await refusal(b.service.create('dave', ask))).toMatchObject({ status: 429 });
    // Creates in flight on one replica hold their place: concurrent ones cannot all pass.
    const racing = await Promise.allSettled(
      Array.from({ length: 5 }, () => b.service.create('zed', { ...ask, to: 'erin' })),
    );
    expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    await a.close();
    await b.close();
  });

  it('is disabled by its feature flag', async () => {
    const target = await testTarget(driver);
    cleanup.push(() => target.dispose());
    const a = await open(target, { enabled: (agent) => agent !== 'alice' });
    expect(await refusal(a.service.create('alice', ask))).toMatchObject({
      status: 403,
      code: 'feature_disabled',
    });
    expect((await a.service.create('carol', ask)).status).toBe('pending');
    await a.close();
  });
});

describe('two replicas on one PostgreSQL database', () => {
  it('see the same elicitations, and exactly one answer wins a race', async () => {
    const target = await testTarget('pg');
    cleanup.push(() => target.dispose());
    const r1 = await open(target);
    const r2 = await open(target);
    const e = await r1.service.create('alice', ask);
    // The requester long-polls on replica 2 while the target answers on replica 1.
    const waiting = r2.service.wait(e.id, 'alice', 10);
    const results = await Promise.allSettled([
      r1.service.command(e.id, { kind: 'accept', actor: 'bob', content: { port: 1 } }),
      r2.service.command(e.id, { kind: 'decline', actor: 'bob' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const final = await waiting;
    expect(['accepted', 'declined']).toContain(final.status);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ status: 409, code: 'not_pending' });
    expect((await r1.store.readStream(`elicitation:${e.id}`)).map((x) => x.type)).toHaveLength(2);
    await r1.close();
    await r2.close();
  });
});
