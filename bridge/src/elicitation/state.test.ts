import { describe, expect, it } from '@jest/globals';
import { apply, decide, type Command, type Elicitation, type ElicitationEvent } from './state.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const later = (s: number) => new Date(t0.getTime() + s * 1000);

const requested: ElicitationEvent = {
  type: 'ElicitationRequested',
  data: {
    id: 'e1',
    from: 'alice',
    to: 'bob',
    message: 'Which port?',
    requestedSchema: {
      type: 'object',
      properties: { port: { type: 'integer', minimum: 1 } },
      required: ['port'],
    },
    createdAt: t0.toISOString(),
    expiresAt: later(60).toISOString(),
  },
};
const pending = apply(undefined, requested)!;

function run(state: Elicitation | undefined, command: Command, now = later(1)) {
  const d = decide(state, command, now);
  return 'event' in d ? { state: apply(state, d.event), event: d.event } : { refusal: d.refusal };
}

describe('elicitation state machine', () => {
  it('starts pending at version 1', () => {
    expect(pending).toMatchObject({ status: 'pending', version: 1, from: 'alice', to: 'bob' });
  });

  it('pending → accepted by the target with valid content', () => {
    const r = run(pending, { kind: 'accept', actor: 'bob', content: { port: 8080 } });
    expect(r.state).toMatchObject({
      status: 'accepted',
      content: { port: 8080 },
      resolvedBy: 'bob',
      version: 2,
    });
  });

  it('pending → declined by the target', () => {
    expect(run(pending, { kind: 'decline', actor: 'bob' }).state).toMatchObject({ status: 'declined' });
  });

  it('pending → cancelled by the requester', () => {
    expect(run(pending, { kind: 'cancel', actor: 'alice' }).state).toMatchObject({
      status: 'cancelled',
      resolvedBy: 'alice',
    });
  });

  it('pending → expired once due, and not before', () => {
    expect(run(pending, { kind: 'expire' }, later(59)).refusal).toMatchObject({ status: 409 });
    const r = run(pending, { kind: 'expire' }, later(60));
    expect(r.state).toMatchObject({ status: 'expired', resolvedAt: later(60).toISOString() });
  });

  it('an answer after the deadline expires it instead', () => {
    const r = run(pending, { kind: 'accept', actor: 'bob', content: { port: 1 } }, later(61));
    expect(r.event?.type).toBe('ElicitationExpired');
    expect(r.state?.status).toBe('expired');
  });

  it.each<[string, Command]>([
    ['requester accepts', { kind: 'accept', actor: 'alice', content: { port: 1 } }],
    ['requester declines', { kind: 'decline', actor: 'alice' }],
    ['target cancels', { kind: 'cancel', actor: 'bob' }],
  ])('forbids: %s (403)', (_name, command) => {
    expect(run(pending, command).refusal).toMatchObject({ code: 'forbidden', status: 403 });
  });

  it.each<[string, Command]>([
    ['stranger accepts', { kind: 'accept', actor: 'eve', content: { port: 1 } }],
    ['stranger declines', { kind: 'decline', actor: 'eve' }],
    ['stranger cancels', { kind: 'cancel', actor: 'eve' }],
  ])('to a stranger it does not exist: %s (404, no state, no names)', (_name, command) => {
    for (const state of [pending, run(pending, { kind: 'decline', actor: 'bob' }).state!]) {
      const refusal = run(state, command).refusal!;
      expect(refusal).toEqual({ code: 'not_found', status: 404, message: 'no such elicitation' });
    }
  });

  it('invalid content → 422 and the elicitation stays pending', () => {
    const r = run(pending, { kind: 'accept', actor: 'bob', content: { port: 0 } });
    expect(r.refusal).toMatchObject({ code: 'invalid_content', status: 422 });
    expect(pending.status).toBe('pending');
  });

  const terminal: [string, Command][] = [
    ['accepted', { kind: 'accept', actor: 'bob', content: { port: 2 } }],
    ['declined', { kind: 'decline', actor: 'bob' }],
    ['cancelled', { kind: 'cancel', actor: 'alice' }],
  ];
  const all: Command[] = [
    { kind: 'accept', actor: 'bob', content: { port: 3 } },
    { kind: 'decline', actor: 'bob' },
    { kind: 'cancel', actor: 'alice' },
    { kind: 'expire' },
  ];
  it.each(terminal)('a %s elicitation refuses every further command (409)', (status, first) => {
    const done = run(pending, first).state!;
    expect(done.status).toBe(status);
    for (const c of all) {
      expect(run(done, c, later(120)).refusal).toMatchObject({
        code: 'not_pending',
        status: 409,
        state: status,
      });
    }
  });

  it('an expired elicitation refuses every further command (409)', () => {
    const done = run(pending, { kind: 'expire' }, later(60)).state!;
    for (const c of all) expect(run(done, c, later(120)).refusal).toMatchObject({ code: 'not_pending' });
  });

  it('an unknown elicitation is 404', () => {
    expect(run(undefined, { kind: 'decline', actor: 'bob' }).refusal).toMatchObject({ status: 404 });
  });

  it('replaying the same events rebuilds the same state; late events after a terminal one are ignored', () => {
    const events: ElicitationEvent[] = [
      requested,
      { type: 'ElicitationDeclined', data: { id: 'e1', by: 'bob', at: later(2).toISOString() } },
      { type: 'ElicitationAccepted', data: { id: 'e1', by: 'bob', at: later(3).toISOString(), content: {} } },
    ];
    const a = events.reduce<Elicitation | undefined>(apply, undefined);
    const b = events.reduce<Elicitation | undefined>(apply, undefined);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ status: 'declined', version: 2 });
  });
});

describe('elicitation events of the wrong shape', () => {
  it('are ignored rather than folded in', () => {
    const bad = [
      { type: 'ElicitationRequested', data: { id: 'x' } },
      { type: 'ElicitationRequested', data: null },
      { type: 'ElicitationAccepted', data: null },
    ] as unknown as ElicitationEvent[];
    expect(bad.reduce<Elicitation | undefined>(apply, undefined)).toBeUndefined();
    expect(apply(pending, bad[2]!)).toBe(pending);
  });
});
