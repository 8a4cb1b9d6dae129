import { afterAll, describe, expect, it } from '@jest/globals';
import { openEventStore, type EventStore } from '../events/index.js';
import { testTarget } from '../storage/test-databases.js';
import { FeatureFlags } from './feature-flags.js';
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
      const service = new FlagService(FeatureFlags.fromSpecs({ beta: { mode: 'on' } }), store);
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
    // awaiting it; give the LISTEN a moment so the kill is not sent before it.
    await new Promise((r) => setTimeout(r, 300));
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
});
