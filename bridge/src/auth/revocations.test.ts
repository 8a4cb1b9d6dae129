// The revocation list on a real PostgreSQL event store, as two replicas see it:
// state rebuilt from the `revocations` stream at start, NOTIFY for news, and the
// periodic re-read that makes up for a lost notification.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openEventStore, type EventStore } from '../events/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { REVOCATION_STREAM, RevocationList } from './revocations.js';

let tdb: TestDatabase;
let store: EventStore;
const lists: RevocationList[] = [];

async function started(refreshMs = 60_000): Promise<RevocationList> {
  const list = new RevocationList(store);
  lists.push(list);
  await list.start(refreshMs);
  return list;
}

async function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  store = await openEventStore({ url: tdb.url });
}, 60_000);

afterAll(async () => {
  for (const l of lists) await l.stop();
  await store?.close();
  await tdb?.drop();
});

describe('RevocationList', () => {
  it('a list started after a revocation knows it from the stream alone', async () => {
    const first = await started();
    await first.revoke('alice', 'admin');
    expect(first.isRevoked('alice')).toBe(true);
    const events = await store.readStream(REVOCATION_STREAM);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['AgentRevoked', { agentId: 'alice', by: 'admin' }],
    ]);

    // No NOTIFY reaches a list that was not listening yet: only the replay can tell it.
    const later = await started();
    expect(later.isRevoked('alice')).toBe(true);
    expect(later.isRevoked('bob')).toBe(false);
    expect(later.size).toBe(1);
  });

  it('a running list hears a revocation made elsewhere through NOTIFY', async () => {
    const listening = await started(); // re-reads only every minute
    const other = await started();
    await other.revoke('carol', 'admin');
    await waitFor(() => listening.isRevoked('carol'), 1_000);
  });

  it('the periodic re-read picks up a revocation whose notification never came', async () => {
    const polling = await started(100);
    // Appended without the NOTIFY that revoke() sends, as when a notification is lost.
    await store.append(REVOCATION_STREAM, [{ type: 'AgentRevoked', data: { agentId: 'dave', by: 'admin' } }]);
    expect(polling.isRevoked('dave')).toBe(false);
    await waitFor(() => polling.isRevoked('dave'));
  });

  it('ignores events in the stream that are not a well-formed AgentRevoked', async () => {
    await store.append(REVOCATION_STREAM, [
      { type: 'AgentRestored', data: { agentId: 'erin' } },
      { type: 'AgentRevoked', data: { agentId: 42 } },
    ]);
    const fresh = await started();
    expect(fresh.isRevoked('erin')).toBe(false);
    expect(fresh.size).toBe(3); // alice, carol, dave
  });

  it('a list started after more revocations than one read returns knows every one', async () => {
    const agents = Array.from({ length: 1_250 }, (_, i) => `many-${i}`);
    for (let i = 0; i < agents.length; i += 500) {
      await store.append(
        REVOCATION_STREAM,
        agents.slice(i, i + 500).map((agentId) => ({ type: 'AgentRevoked', data: { agentId, by: 'admin' } })),
      );
    }
    const list = await started();
    expect(agents.filter((a) => !list.isRevoked(a))).toEqual([]);
  });
});
