import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DRIVERS, pgliteTemplate, testTarget, type TestTarget } from '../storage/test-databases.js';
import { visibilityScan } from './reads.js';
import { openEventStore } from './store.js';
import type { Checkpoint, EventStore, NewEvent } from './types.js';
import { readableBy } from './visibility.js';

beforeAll(() => pgliteTemplate(), 180_000);

const AGENTS = ['ann', 'bob', '7'];

/** Events of every family, in shapes that must not fool either form of the rule. */
const TABLE: [string, NewEvent][] = [
  ['decisions', { type: 'ToolCallDecided', data: { agentId: 'ann' }, metadata: { agentId: 'ann' } }],
  ['decisions', { type: 'ToolCallDecided', data: { agentId: 'bob' }, metadata: {} }],
  ['decisions', { type: 'ToolCallDecided', data: { agentId: 7 }, metadata: { agentId: 7 } }],
  ['decisions-extra', { type: 'Note', data: { expertId: 'bob' } }],
  ['decisions', { type: 'Note', data: null }],
  ['decisions', { type: 'Note', data: ['ann'] }],
  ['decisions', { type: 'Note', data: 'ann' }],
  ['escalation:e1', { type: 'EscalationRaised', data: { agentId: 'ann', routedTo: ['bob', 'x'] } }],
  ['escalation:e2', { type: 'EscalationRaised', data: { routedTo: 'bob' } }],
  ['escalation:e3', { type: 'EscalationRaised', data: { routedTo: [['bob']] } }],
  ['escalation:e4', { type: 'EscalationResolved', data: { expertId: '7' } }],
  ['agent:ann', { type: 'ToolCallReported', data: {} }],
  ['agent:annie', { type: 'ToolCallReported', data: {} }],
  ['expert:bob', { type: 'ExpertGranted', data: { agentId: 'ann' } }],
  ['elicitation:q1', { type: 'ElicitationCreated', data: {}, metadata: { participants: ['ann', 'bob'] } }],
  ['elicitation:q2', { type: 'ElicitationCreated', data: {}, metadata: { participants: 'bob' } }],
  ['elicitation:q3', { type: 'ElicitationCreated', data: { participants: ['7'] }, metadata: {} }],
  ['flags', { type: 'FlagSet', data: { agentId: 'bob' } }],
  ['shared', { type: 'Note', data: 1 }],
];

describe.each(DRIVERS)('event visibility on %s', (driver) => {
  let target: TestTarget;
  let store: EventStore;
  const now = async (): Promise<Checkpoint> => (await store.readAll({ limit: 1, types: [] })).checkpoint;

  beforeAll(async () => {
    target = await testTarget(driver);
    store = await openEventStore(target.location);
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await target?.dispose();
  });

  it('the query leaves out exactly what the predicate refuses, for every agent', async () => {
    const after = await now();
    for (const [stream, event] of TABLE) await store.append(stream, [event]);
    const all = (await store.readAll({ after })).events;
    expect(all).toHaveLength(TABLE.length);
    for (const agent of AGENTS) {
      const visible = (await store.readAll({ after, readableBy: agent })).events;
      expect(visible.map((e) => e.position)).toEqual(all.filter(readableBy(agent)).map((e) => e.position));
    }
    // The table is not vacuous: each agent sees some events and misses others.
    expect(all.filter(readableBy('ann')).map((e) => e.stream)).toEqual([
      'decisions',
      'escalation:e1',
      'agent:ann',
      'elicitation:q1',
      'flags',
      'shared',
    ]);
  });

  it("a page's checkpoint never stops on a hidden event; a scan that ends early says so", async () => {
    const start = await now();
    await store.append('decisions', [
      { type: 'ToolCallDecided', data: { agentId: 'zed' } },
      { type: 'ToolCallDecided', data: { agentId: 'zed' } },
    ]);
    // Only hidden events: an empty page at the horizon, as if none were there.
    const quiet = await store.readAll({ after: start, limit: 1, readableBy: 'ann' });
    expect(quiet).toMatchObject({ events: [], more: false });
    expect(quiet.checkpoint.position).toBe(0n);
    const unfiltered = await store.readAll({ after: start, limit: 1 });
    expect(unfiltered.more).toBe(true);

    // More hidden events than one read scans, then one of ann's: the first page ends
    // at the scan's end with `more`, the next one finds hers.
    const hidden = visibilityScan(1);
    await store.append(
      'decisions',
      Array.from({ length: hidden }, () => ({ type: 'ToolCallDecided', data: { agentId: 'zed' } })),
    );
    const own = await store.append('decisions', [{ type: 'ToolCallDecided', data: { agentId: 'ann' } }]);
    const first = await store.readAll({ after: start, limit: 1, readableBy: 'ann' });
    expect([first.events, first.more]).toEqual([[], true]);
    const second = await store.readAll({ after: first.checkpoint, limit: 1, readableBy: 'ann' });
    expect(second.events.map((e) => e.position)).toEqual(own.positions);
  });
});
