import { describe, expect, it } from '@jest/globals';
import { ExpertRegistry } from './registry.js';

describe('ExpertRegistry', () => {
  it('offers connected experts of the category, least loaded first, ties by id', () => {
    const r = new ExpertRegistry();
    r.register('carol', ['privileged']);
    r.register('alice', ['*']);
    r.register('bob', ['privileged', 'network']);
    r.register('dave', ['network']);
    for (const id of ['alice', 'bob', 'carol', 'dave']) r.setConnected(id, 'replica-1', true);
    const load: Record<string, number> = { alice: 2, bob: 0, carol: 0 };
    expect(r.candidates('privileged', (id) => load[id] ?? 0)).toEqual(['bob', 'carol', 'alice']);
    expect(r.candidates('secrets', () => 0)).toEqual(['alice']);
  });

  it('counts an expert as connected while any replica has it', () => {
    const r = new ExpertRegistry();
    r.register('alice', ['*']);
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
});
