import { describe, expect, it } from '@jest/globals';
import {
  EXPERT_GRANTED,
  EXPERT_GRANT_REVOKED,
  EXPERT_REGISTERED,
  ExpertRegistry,
  notCovered,
} from './registry.js';

/** Applies the next events of `id`'s stream. */
function events(r: ExpertRegistry, id: string, ...list: [type: string, data?: unknown][]): void {
  for (const [type, data] of list) r.apply(id, type, data ?? {}, (r.get(id)?.version ?? 0) + 1);
}

/** Granted and registered for `capabilities`. */
function expert(r: ExpertRegistry, id: string, capabilities: string[]): void {
  events(r, id, [EXPERT_GRANTED, { capabilities }], [EXPERT_REGISTERED, { capabilities }]);
}

describe('ExpertRegistry', () => {
  it('offers connected experts of the category, least loaded first, ties by id', () => {
    const r = new ExpertRegistry();
    expert(r, 'carol', ['privileged']);
    expert(r, 'alice', ['*']);
    expert(r, 'bob', ['privileged', 'network']);
    expert(r, 'dave', ['network']);
    for (const id of ['alice', 'bob', 'carol', 'dave']) r.setConnected(id, 'replica-1', true);
    const load: Record<string, number> = { alice: 2, bob: 0, carol: 0 };
    expect(r.candidates('privileged', (id) => load[id] ?? 0)).toEqual(['bob', 'carol', 'alice']);
    expect(r.candidates('secrets', () => 0)).toEqual(['alice']);
  });

  it('counts an expert as connected while any replica has it', () => {
    const r = new ExpertRegistry();
    expert(r, 'alice', ['*']);
    r.setConnected('alice', 'a', true);
    r.setConnected('alice', 'b', true);
    r.setConnected('alice', 'a', false);
    expect(r.isConnected('alice')).toBe(true);
    r.setConnected('alice', 'b', false);
    expect(r.isConnected('alice')).toBe(false);
    expect(r.candidates('x', () => 0)).toEqual([]);
    expect(r.connectedCount()).toBe(0);
  });

  it('ignores connections of experts that never registered', () => {
    const r = new ExpertRegistry();
    r.setConnected('ghost', 'a', true);
    expect(r.isConnected('ghost')).toBe(false);
    expect(r.canDecide('ghost', 'privileged')).toBe(false);
  });

  it('an agent decides only what it registered for within its grant: none without one, less once narrowed', () => {
    const r = new ExpertRegistry();
    events(r, 'erin', [EXPERT_REGISTERED, { capabilities: ['*'] }]);
    r.setConnected('erin', 'a', true);
    expect([
      r.isExpert('erin'),
      r.canDecide('erin', 'privileged'),
      r.candidates('privileged', () => 0),
    ]).toEqual([false, false, []]);
    events(r, 'erin', [EXPERT_GRANTED, { capabilities: ['network', 'privileged'] }]);
    expect(r.get('erin')?.capabilities).toEqual(['network', 'privileged']);
    events(r, 'erin', [EXPERT_GRANTED, { capabilities: ['network'] }]);
    expect([r.canDecide('erin', 'privileged'), r.canDecide('erin', 'network')]).toEqual([false, true]);
    expect(r.candidates('network', () => 0)).toEqual(['erin']);
    expect(r.connectedCount()).toBe(1);
  });

  it('a revoked grant ends the registration: a new grant alone does not bring it back', () => {
    const r = new ExpertRegistry();
    expert(r, 'fay', ['privileged']);
    events(r, 'fay', [EXPERT_GRANT_REVOKED]);
    expect([r.isExpert('fay'), r.canDecide('fay', 'privileged'), r.all()]).toEqual([false, false, []]);
    events(r, 'fay', [EXPERT_GRANTED, { capabilities: ['privileged'] }]);
    expect([r.isExpert('fay'), r.canDecide('fay', 'privileged')]).toEqual([false, false]);
    events(r, 'fay', [EXPERT_REGISTERED, { capabilities: ['privileged'] }]);
    expect(r.canDecide('fay', 'privileged')).toBe(true);
  });

  it('applies each version of a stream once, in order', () => {
    const r = new ExpertRegistry();
    expect(r.apply('gus', EXPERT_GRANTED, { capabilities: ['*'] }, 1)).toBe(true);
    expect(r.apply('gus', EXPERT_REGISTERED, { capabilities: ['*'] }, 2)).toBe(true);
    expect(r.apply('gus', EXPERT_GRANT_REVOKED, {}, 2)).toBe(false);
    expect(r.isExpert('gus')).toBe(true);
  });

  it('a grant covers what it names, and anything with `*`', () => {
    expect(notCovered(['a', 'b', '*'], ['a'])).toEqual(['b', '*']);
    expect(notCovered(['a', '*'], ['*'])).toEqual([]);
  });
});
