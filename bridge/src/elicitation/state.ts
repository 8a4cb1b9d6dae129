// The elicitation state machine as pure functions: `apply` folds events into
// state, `decide` turns a command into the one event it produces or a refusal.
// pending → accepted | declined | cancelled | expired; terminal states are final.
import { checkContent, type ContentProblem, type RequestedSchema } from './schema.js';

export const ELICITATION_STATUSES = ['pending', 'accepted', 'declined', 'cancelled', 'expired'] as const;
export type ElicitationStatus = (typeof ELICITATION_STATUSES)[number];
export type Outcome = Exclude<ElicitationStatus, 'pending'>;

export interface Elicitation {
  id: string;
  from: string;
  to: string;
  message: string;
  requestedSchema: RequestedSchema;
  createdAt: string;
  expiresAt: string;
  status: ElicitationStatus;
  content?: Record<string, unknown>;
  resolvedAt?: string;
  resolvedBy?: string;
  /** Stream version of the last applied event (1 = just requested). */
  version: number;
}

export const EVENT_TYPES = {
  requested: 'ElicitationRequested',
  accepted: 'ElicitationAccepted',
  declined: 'ElicitationDeclined',
  cancelled: 'ElicitationCancelled',
  expired: 'ElicitationExpired',
} as const;

export type ElicitationEvent =
  | {
      type: 'ElicitationRequested';
      data: Omit<Elicitation, 'status' | 'content' | 'resolvedAt' | 'resolvedBy' | 'version'>;
    }
  | {
      type: 'ElicitationAccepted';
      data: { id: string; by: string; at: string; content: Record<string, unknown> };
    }
  | { type: 'ElicitationDeclined'; data: { id: string; by: string; at: string } }
  | { type: 'ElicitationCancelled'; data: { id: string; by: string; at: string } }
  | { type: 'ElicitationExpired'; data: { id: string; at: string } };

export const ELICITATION_EVENT_TYPES: string[] = Object.values(EVENT_TYPES);

export const streamFor = (id: string) => `elicitation:${id}`;

/** Folds one event into the state; unknown or out-of-order events leave it unchanged. */
export function apply(state: Elicitation | undefined, event: ElicitationEvent): Elicitation | undefined {
  if (typeof event.data !== 'object' || event.data === null) return state;
  if (event.type === 'ElicitationRequested') {
    const d = event.data as Partial<Elicitation>;
    const strings = [d.id, d.from, d.to, d.message, d.createdAt, d.expiresAt];
    if (!strings.every((v) => typeof v === 'string') || typeof d.requestedSchema !== 'object') return state;
    return state ?? { ...event.data, status: 'pending', version: 1 };
  }
  if (!state || state.status !== 'pending') return state;
  const version = state.version + 1;
  switch (event.type) {
    case 'ElicitationAccepted':
      return {
        ...state,
        status: 'accepted',
        content: event.data.content,
        resolvedAt: event.data.at,
        resolvedBy: event.data.by,
        version,
      };
    case 'ElicitationDeclined':
      return { ...state, status: 'declined', resolvedAt: event.data.at, resolvedBy: event.data.by, version };
    case 'ElicitationCancelled':
      return { ...state, status: 'cancelled', resolvedAt: event.data.at, resolvedBy: event.data.by, version };
    case 'ElicitationExpired':
      return { ...state, status: 'expired', resolvedAt: event.data.at, version };
    default:
      return state;
  }
}

export type Command =
  | { kind: 'accept'; actor: string; content: unknown }
  | { kind: 'decline'; actor: string }
  | { kind: 'cancel'; actor: string }
  | { kind: 'expire' };

export type Refusal =
  | { code: 'not_found'; status: 404; message: string }
  | { code: 'forbidden'; status: 403; message: string }
  | { code: 'not_pending'; status: 409; message: string; state: ElicitationStatus }
  | { code: 'invalid_content'; status: 422; message: string; problems: ContentProblem[] };

export type Decision = { event: ElicitationEvent } | { refusal: Refusal };

export const isExpired = (e: Elicitation, now: Date) =>
  e.status === 'pending' && now >= new Date(e.expiresAt);

/**
 * What `command` does to `state` at time `now`. An answer that arrives after the
 * deadline produces the expiry instead (the caller appends it, then reports 409).
 */
export function decide(state: Elicitation | undefined, command: Command, now: Date): Decision {
  const notFound = { refusal: { code: 'not_found', status: 404, message: 'no such elicitation' } } as const;
  if (!state) return notFound;
  // To anyone but its two participants it does not exist, as GET answers: no state, no names.
  if (command.kind !== 'expire' && command.actor !== state.from && command.actor !== state.to)
    return notFound;
  const at = now.toISOString();
  if (state.status !== 'pending') {
    return {
      refusal: {
        code: 'not_pending',
        status: 409,
        message: `the elicitation is already ${state.status}`,
        state: state.status,
      },
    };
  }
  if (command.kind === 'expire') {
    if (!isExpired(state, now)) {
      return { refusal: { code: 'not_pending', status: 409, message: 'not yet due', state: state.status } };
    }
    return { event: { type: 'ElicitationExpired', data: { id: state.id, at: state.expiresAt } } };
  }
  const onlyTarget = command.kind === 'accept' || command.kind === 'decline';
  if (onlyTarget && command.actor !== state.to) {
    return { refusal: { code: 'forbidden', status: 403, message: `only ${state.to} may ${command.kind}` } };
  }
  if (command.kind === 'cancel' && command.actor !== state.from) {
    return { refusal: { code: 'forbidden', status: 403, message: `only ${state.from} may cancel` } };
  }
  if (isExpired(state, now)) {
    return { event: { type: 'ElicitationExpired', data: { id: state.id, at: state.expiresAt } } };
  }
  switch (command.kind) {
    case 'accept': {
      const problems = checkContent(state.requestedSchema, command.content);
      if (problems.length > 0) {
        return {
          refusal: {
            code: 'invalid_content',
            status: 422,
            message: `content does not match the requested schema: ${problems[0]!.path || '/'} ${problems[0]!.message}`,
            problems,
          },
        };
      }
      return {
        event: {
          type: 'ElicitationAccepted',
          data: { id: state.id, by: command.actor, at, content: command.content as Record<string, unknown> },
        },
      };
    }
    case 'decline':
      return { event: { type: 'ElicitationDeclined', data: { id: state.id, by: command.actor, at } } };
    case 'cancel':
      return { event: { type: 'ElicitationCancelled', data: { id: state.id, by: command.actor, at } } };
  }
}
