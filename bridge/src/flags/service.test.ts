import { afterAll, describe, expect, it } from '@jest/globals';
import { openEventStore, type EventStore } from '../events/index.js';
import { testTarget } from '../storage/test-databases.js';
import { FeatureFlags, FLAGS_STREAM } from './feature-flags.js';
import { FlagService } from './service.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('FlagService kill switch', () => {
  it('a kill on one replica reaches another within a second, and survives a restart', async () => {
    const target = await testTarget('pg');
    cleanup.push(() => target.dispose());
    const replica = async () => {
      // The slow poll is 10 s here: only NOTIFY can deliver the kill in time.
      const store: EventStore = await openEventStore({
        ...target.location,
        subscription: { pollIntervalMs: 10_000 },
      });
      const service = new FlagService(
        FeatureFlags.fromSpecs({ beta: { mode: 'on' }, ready: { mode: 'on' } }),
        store,
      );
      await service.start();
      cleanup.push(async () => {
        await service.close();
        await store.close();
      });
      return service;
    };
    const r1 = await replica();
    const r2 = await replica();
    expect(r2.isEnabled('beta', 'a')).toBe(true);
    // The store starts LISTENing when the first subscription opens, without
    // awaiting it, and the subscription's first poll waits for it: once r2 has
    // seen another flag's kill, its LISTEN is up, and the kill below is timed.
    await r1.kill('ready', 'admin');
    while (r2.isEnabled('ready', 'a')) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await r1.kill('beta', 'admin', 'incident 42');
    expect(r1.isEnabled('beta', 'a')).toBe(false);
    while (r2.isEnabled('beta', 'a') && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 10));
    expect(r2.isEnabled('beta', 'a')).toBe(false);

    const r3 = await replica(); // started after the kill
    expect(r3.isEnabled('beta', 'a')).toBe(false);
    await r3.restore('beta', 'admin');
    expect(r3.isEnabled('beta', 'a')).toBe(true);
  });

  it('applies events in stream order: a kill and restore made here stay restored when the subscription delivers them again', async () => {
    const target = await testTarget('pg');
    cleanup.push(() => target.dispose());
    const store = await openEventStore(target.location);
    // The subscription's deliveries wait at a gate, so it hands over the events
    // only after kill and restore have applied them here.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const seen: boolean[][] = [];
    const subscribe = store.subscribe.bind(store);
    store.subscribe = (opts, handler) =>
      subscribe(opts, async (e) => {
        await gate;
        await handler(e);
        seen.push([service.isEnabled('beta', 'a'), service.isEnabled('gamma', 'a')]);
      });
    const service = new FlagService(
      FeatureFlags.fromSpecs({ beta: { mode: 'on' }, gamma: { mode: 'on' } }),
      store,
    );
    await service.start();
    cleanup.push(async () => {
      await service.close();
      await store.close();
    });
    // Another replica's kill of another flag, older than this replica's events: still applied.
    await store.append(FLAGS_STREAM, [
      { type: 'FlagKilled', data: { flag: 'gamma', by: 'other', reason: null } },
    ]);
    await service.kill('beta', 'admin');
    await service.restore('beta', 'admin');
    expect(service.isEnabled('beta', 'a')).toBe(true);
    open();
    while (seen.length < 3) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([
      [true, false],
      [true, false],
      [true, false],
    ]);
  });
});
