// Elicitations over the event store. Each elicitation is a stream
// (`elicitation:<id>`); every replica keeps the same in-memory view by
// following the store (NOTIFY wakes it), and a command is decided on the
// stream as stored, appended with the stream version it was decided on, so
// two replicas cannot both resolve one elicitation. The view holds every
// pending elicitation (capped per requester and per target) and the most
// recently resolved ones (bounded in number and size); an older
// one is read from its stream when asked for by id.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  catchUp,
  ConcurrencyError,
  type EventStore,
  type StoredEvent,
  type Subscription,
} from '../events/index.js';
import type { ElicitationMetrics } from './metrics.js';
import { checkRequestedSchema, type RequestedSchema, type SchemaProblem } from './schema.js';
import {
  apply,
  decide,
  ELICITATION_EVENT_TYPES,
  isExpired,
  streamFor,
  type Command,
  type Elicitation,
  type ElicitationEvent,
  type ElicitationStatus,
  type Outcome,
  type Refusal,
} from './state.js';

export const MAX_TIMEOUT_SECONDS = 24 * 3600;
const MAX_MESSAGE_CHARS = 10_000;

export class ElicitationError extends Error {
  override name = 'ElicitationError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  static from(r: Refusal): ElicitationError {
    const details =
      r.code === 'invalid_content'
        ? { problems: r.problems }
        : r.code === 'not_pending'
          ? { state: r.state }
          : undefined;
    return new ElicitationError(r.status, r.code, r.message, details);
  }
}

/** The request body as received; every field is checked before use. */
export interface CreateRequest {
  to?: unknown;
  message?: unknown;
  requestedSchema?: unknown;
  timeoutSeconds?: unknown;
}

export interface ElicitationServiceOptions {
  metrics?: ElicitationMetrics;
  /** Feature gate: may this agent create elicitations? */
  enabled?: (agentId: string) => boolean;
  isValidAgentId?: (id: string) => boolean;
  defaultTimeoutSeconds?: number;
  sweepIntervalMs?: number;
  /** Resolved elicitations kept in memory, newest first (default 10,000). */
  keepResolved?: number;
  /** ... and at most this many characters of them as JSON (default 64 Mi). */
  keepResolvedChars?: number;
  /** Pending elicitations one agent may have asked (LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_REQUESTER). */
  maxPendingPerRequester?: number;
  /** Pending elicitations one agent may have been asked (LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_TARGET). */
  maxPendingPerTarget?: number;
  now?: () => Date;
}

const AGENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export class ElicitationService {
  private readonly pending = new Map<string, Elicitation>();
  /** Pending elicitations by requester and by target, for the caps. */
  private readonly pendingFrom = new Map<string, number>();
  private readonly pendingTo = new Map<string, number>();
  private readonly resolved: LRUCache<string, Elicitation>;
  /**
   * The new state of an elicitation (from any replica), told by its id and by each
   * participant: a change reaches its own listeners only, however many others wait.
   */
  private readonly changes = new EventEmitter();
  private subscription: Subscription | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly store: EventStore,
    private readonly opts: ElicitationServiceOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.resolved = new LRUCache({
      max: opts.keepResolved ?? 10_000,
      // An accepted answer may be as large as a request body: a count alone would not bound the memory.
      maxSize: opts.keepResolvedChars ?? 64 * 1024 * 1024,
      sizeCalculation: (e) => JSON.stringify(e).length,
    });
    this.changes.setMaxListeners(0);
  }

  /** Rebuilds the view from the store, then follows it. Resolves once caught up. */
  async start(): Promise<void> {
    const after = await catchUp(this.store, { types: ELICITATION_EVENT_TYPES }, (e) => this.ingest(e));
    this.subscription = this.store.subscribe({ from: after, types: ELICITATION_EVENT_TYPES }, (e) =>
      this.ingest(e),
    );
    const interval = this.opts.sweepIntervalMs ?? 1000;
    this.sweeper = setInterval(() => void this.expireDue().catch(() => undefined), interval);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.subscription?.close();
    this.changes.removeAllListeners();
  }

  /** In this replica's view; `peek` leaves the order of the resolved ones as ingested. */
  private known(id: string): Elicitation | undefined {
    return this.pending.get(id) ?? this.resolved.peek(id);
  }

  /** Takes a newer state of an elicitation into the view and tells listeners. */
  private keep(e: Elicitation): void {
    const before = this.known(e.id);
    if (before && e.version <= before.version) return;
    if (e.status === 'pending') {
      if (!this.pending.has(e.id)) this.count(e, 1);
      this.pending.set(e.id, e);
    } else {
      if (this.pending.delete(e.id)) this.count(e, -1);
      this.resolved.set(e.id, e);
    }
    this.changes.emit(byId(e.id), e);
    this.changes.emit(byAgent(e.from), e);
    if (e.to !== e.from) this.changes.emit(byAgent(e.to), e);
  }

  /** Long polls and SSE streams listening now. */
  get listening(): number {
    return this.changes.eventNames().reduce<number>((n, key) => n + this.changes.listenerCount(key), 0);
  }

  /** Calls `fn` with every change to an elicitation `agent` takes part in; returns what stops it. */
  watch(agent: string, fn: (e: Elicitation) => void): () => void {
    this.changes.on(byAgent(agent), fn);
    return () => this.changes.off(byAgent(agent), fn);
  }

  private count(e: Pick<Elicitation, 'from' | 'to'>, delta: number): void {
    for (const [map, agent] of [
      [this.pendingFrom, e.from],
      [this.pendingTo, e.to],
    ] as const) {
      const n = (map.get(agent) ?? 0) + delta;
      if (n > 0) map.set(agent, n);
      else map.delete(agent);
    }
  }

  /**
   * Refuses a request past either cap. Counted in this replica's view (with its own
   * creates in flight), which every replica rebuilds from the store: creates racing
   * on several replicas, before each other's events arrive (NOTIFY, milliseconds),
   * may pass a cap by the number in flight on the other replicas.
   */
  private checkQuota(from: string, to: string): void {
    const caps = [
      [this.pendingFrom.get(from) ?? 0, this.opts.maxPendingPerRequester, `${from} has asked`, 'REQUESTER'],
      [this.pendingTo.get(to) ?? 0, this.opts.maxPendingPerTarget, `${to} has been asked`, 'TARGET'],
    ] as const;
    for (const [n, max, who, role] of caps) {
      if (max === undefined || n < max) continue;
      throw new ElicitationError(
        429,
        'quota_exceeded',
        `${who} ${n} pending elicitations, the most LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_${role} (${max}) allows; ` +
          'one frees when it is answered, declined, cancelled or expires',
        { limit: max, variable: `LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_${role}` },
      );
    }
  }

  private ingest(e: StoredEvent | { type: string; data: unknown }): void {
    const id = (e.data as { id?: string }).id;
    if (typeof id !== 'string') return;
    // From the store, only the elicitation's own stream counts: agents may append
    // events of any type to other streams through the events API.
    if ('stream' in e && e.stream !== streamFor(id)) return;
    const before = this.known(id);
    const after = apply(before, e as ElicitationEvent);
    if (after && after !== before) this.keep(after);
  }

  async create(from: string, req: CreateRequest): Promise<Elicitation> {
    if (this.opts.enabled && !this.opts.enabled(from)) {
      throw new ElicitationError(
        403,
        'feature_disabled',
        'elicitation is disabled for this agent (feature flag "elicitation")',
      );
    }
    const validAgent = this.opts.isValidAgentId ?? ((id: string) => AGENT.test(id));
    if (typeof req.to !== 'string' || !validAgent(req.to)) {
      throw new ElicitationError(400, 'invalid_request', '"to" must be an agent id', { path: '/to' });
    }
    if (
      typeof req.message !== 'string' ||
      req.message.length === 0 ||
      req.message.length > MAX_MESSAGE_CHARS
    ) {
      throw new ElicitationError(
        400,
        'invalid_request',
        `"message" must be a string of 1-${MAX_MESSAGE_CHARS} characters`,
        {
          path: '/message',
        },
      );
    }
    const timeout = req.timeoutSeconds ?? this.opts.defaultTimeoutSeconds ?? 300;
    if (typeof timeout !== 'number' || !(timeout > 0 && timeout <= MAX_TIMEOUT_SECONDS)) {
      throw new ElicitationError(
        400,
        'invalid_request',
        `"timeoutSeconds" must be a number in (0, ${MAX_TIMEOUT_SECONDS}]`,
        {
          path: '/timeoutSeconds',
        },
      );
    }
    const problems: SchemaProblem[] = checkRequestedSchema(req.requestedSchema);
    if (problems.length > 0) {
      throw new ElicitationError(
        400,
        'invalid_schema',
        `requestedSchema${problems[0]!.path}: ${problems[0]!.message}`,
        {
          problems: problems.map((p) => ({ path: `/requestedSchema${p.path}`, message: p.message })),
        },
      );
    }
    this.checkQuota(from, req.to);
    const created = this.now();
    const event: ElicitationEvent = {
      type: 'ElicitationRequested',
      data: {
        id: randomUUID(),
        from,
        to: req.to,
        message: req.message,
        requestedSchema: req.requestedSchema as RequestedSchema,
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + timeout * 1000).toISOString(),
      },
    };
    // Holds its place while the append is under way, so concurrent creates here cannot all pass the cap.
    const slot = { from, to: req.to };
    this.count(slot, 1);
    try {
      await this.store.append(streamFor(event.data.id), [withParticipants(event, from, req.to)], {
        expectedVersion: 'no_stream',
      });
    } finally {
      this.count(slot, -1);
    }
    this.ingest(event);
    return this.known(event.data.id)!;
  }

  /** The elicitation as stored (authoritative, even before this replica's view caught up). */
  private async load(id: string): Promise<Elicitation | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const events = await this.store.readStream(streamFor(id));
    return events.reduce<Elicitation | undefined>(
      (s, e) => apply(s, e as unknown as ElicitationEvent),
      undefined,
    );
  }

  /** Runs a command; returns the resulting state, or throws the refusal. */
  async command(id: string, command: Command): Promise<Elicitation> {
    for (let attempt = 0; ; attempt++) {
      // This replica's view first (saves a read): if it is behind the store, the
      // append's expected version fails and the next attempt reads the stream.
      const state = (attempt === 0 && this.known(id)) || (await this.load(id));
      const decision = decide(state, command, this.now());
      if ('refusal' in decision) throw ElicitationError.from(decision.refusal);
      try {
        await this.store.append(streamFor(id), [withParticipants(decision.event, state!.from, state!.to)], {
          expectedVersion: state!.version,
        });
      } catch (err) {
        if (err instanceof ConcurrencyError && attempt < 3) continue; // decided elsewhere; decide again on the new state
        throw err;
      }
      const next = apply(state, decision.event)!;
      this.ingest(decision.event);
      this.record(next);
      if (decision.event.type === 'ElicitationExpired' && command.kind !== 'expire') {
        throw new ElicitationError(409, 'not_pending', 'the elicitation expired before the answer arrived', {
          state: 'expired',
        });
      }
      return next;
    }
  }

  private record(e: Elicitation): void {
    if (e.status === 'pending' || !e.resolvedAt) return;
    const seconds = (new Date(e.resolvedAt).getTime() - new Date(e.createdAt).getTime()) / 1000;
    this.opts.metrics?.record(e.status as Outcome, seconds);
  }

  /** Appends the expiry of every pending elicitation past its deadline (any replica may; one wins). */
  async expireDue(): Promise<number> {
    const now = this.now();
    let n = 0;
    for (const e of [...this.pending.values()]) {
      if (!isExpired(e, now)) continue;
      try {
        await this.command(e.id, { kind: 'expire' });
        n++;
      } catch (err) {
        if (!(err instanceof ElicitationError)) throw err;
      }
    }
    return n;
  }

  /**
   * What `agent` may see: its own requests and the ones addressed to it. One not
   * in this replica's view (created elsewhere a moment ago, or resolved long ago)
   * is read from the store; only a pending one joins the view, so the resolved
   * ones kept stay the newest, as on every other replica.
   */
  async get(id: string, agent: string): Promise<Elicitation> {
    let e = this.known(id);
    if (!e) {
      e = await this.load(id);
      if (e?.status === 'pending') this.keep(e);
    }
    if (!e || (e.from !== agent && e.to !== agent))
      throw new ElicitationError(404, 'not_found', 'no such elicitation');
    // Past its deadline but not swept yet: the reader records the expiry, so no
    // read says pending after the deadline (one replica's append wins).
    if (e.status === 'pending' && isExpired(e, this.now())) return this.expireNow(id);
    return e;
  }

  private async expireNow(id: string): Promise<Elicitation> {
    try {
      return await this.command(id, { kind: 'expire' });
    } catch (err) {
      if (!(err instanceof ElicitationError)) throw err;
      return (await this.load(id))!; // resolved meanwhile, here or elsewhere
    }
  }

  /** Waits up to `seconds` for the elicitation to leave `pending`; returns its state either way. */
  async wait(id: string, agent: string, seconds: number, signal?: AbortSignal): Promise<Elicitation> {
    const current = await this.get(id, agent);
    if (current.status !== 'pending' || seconds <= 0) return current;
    return new Promise((resolve) => {
      let last = current;
      const finish = () => {
        clearTimeout(timer);
        this.changes.off(byId(id), onChange);
        signal?.removeEventListener('abort', finish);
        // The wait outlasted the deadline before a sweep: record the expiry, as get() does.
        resolve(last.status === 'pending' && isExpired(last, this.now()) ? this.expireNow(id) : last);
      };
      const onChange = (changed: Elicitation) => {
        last = changed;
        if (changed.status !== 'pending') finish();
      };
      const timer = setTimeout(finish, seconds * 1000);
      this.changes.on(byId(id), onChange);
      signal?.addEventListener('abort', finish);
      // a change may have landed between reading `current` and listening
      const now = this.known(id);
      if (now && now.version > current.version) onChange(now);
    });
  }

  /** Pending elicitations, and resolved ones while this replica still keeps them. */
  list(agent: string, role: 'target' | 'requester', status?: ElicitationStatus): Elicitation[] {
    const now = this.now();
    return [...this.pending.values(), ...this.resolved.values()]
      .filter((e) => (role === 'target' ? e.to === agent : e.from === agent))
      .filter(
        (e) =>
          !status ||
          (status === 'pending' ? e.status === 'pending' && !isExpired(e, now) : e.status === status),
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }
}

const byId = (id: string) => `id\u0000${id}`;
const byAgent = (agent: string) => `agent\u0000${agent}`;

/**
 * Every elicitation event names its two participants in its metadata, so the
 * events API can show it to them (and admins) only, whatever replica or feed serves it.
 * The request's event id is the elicitation's; every later event names it as its cause.
 */
function withParticipants(event: ElicitationEvent, from: string, to: string) {
  const participants = [from, to];
  return event.type === 'ElicitationRequested'
    ? { ...event, id: event.data.id, metadata: { participants } }
    : { ...event, metadata: { participants, causationId: event.data.id } };
}
