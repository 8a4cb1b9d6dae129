// Elicitations over the event store. Each elicitation is a stream
// (`elicitation:<id>`); every replica keeps the same in-memory view by
// following the store (NOTIFY wakes it), and a command is decided on the
// stream as stored, appended with the stream version it was decided on, so
// two replicas cannot both resolve one elicitation.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  type Checkpoint,
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
  now?: () => Date;
}

const AGENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export class ElicitationService {
  private readonly byId = new Map<string, Elicitation>();
  /** Fires 'change' with the new state of an elicitation (from any replica). */
  readonly changes = new EventEmitter();
  private subscription: Subscription | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly store: EventStore,
    private readonly opts: ElicitationServiceOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.changes.setMaxListeners(0);
  }

  /** Rebuilds the view from the store, then follows it. Resolves once caught up. */
  async start(): Promise<void> {
    let after: Checkpoint | undefined;
    for (;;) {
      const page = await this.store.readAll({ after, types: ELICITATION_EVENT_TYPES, limit: 1000 });
      for (const e of page.events) this.ingest(e);
      after = page.checkpoint;
      if (page.events.length < 1000) break;
    }
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

  private ingest(e: StoredEvent | { type: string; data: unknown }): void {
    const id = (e.data as { id?: string }).id;
    if (typeof id !== 'string') return;
    const before = this.byId.get(id);
    const after = apply(before, e as ElicitationEvent);
    if (after && after !== before && (!before || after.version > before.version)) {
      this.byId.set(id, after);
      this.changes.emit('change', after);
    }
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
    await this.store.append(streamFor(event.data.id), [event], { expectedVersion: 'no_stream' });
    this.ingest(event);
    return this.byId.get(event.data.id)!;
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
      const state = (attempt === 0 && this.byId.get(id)) || (await this.load(id));
      const decision = decide(state, command, this.now());
      if ('refusal' in decision) throw ElicitationError.from(decision.refusal);
      try {
        await this.store.append(streamFor(id), [decision.event], { expectedVersion: state!.version });
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
    for (const e of this.byId.values()) {
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

  /** What `agent` may see: its own requests and the ones addressed to it. */
  get(id: string, agent: string): Elicitation {
    const e = this.byId.get(id);
    if (!e || (e.from !== agent && e.to !== agent))
      throw new ElicitationError(404, 'not_found', 'no such elicitation');
    return e;
  }

  /** Waits up to `seconds` for the elicitation to leave `pending`; returns its state either way. */
  async wait(id: string, agent: string, seconds: number, signal?: AbortSignal): Promise<Elicitation> {
    if (!this.byId.has(id)) {
      // Created on another replica a moment ago: read it from the store.
      const stored = await this.load(id);
      if (stored) {
        this.byId.set(id, stored);
        this.changes.emit('change', stored);
      }
    }
    const current = this.get(id, agent);
    if (current.status !== 'pending' || seconds <= 0) return current;
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.changes.off('change', onChange);
        signal?.removeEventListener('abort', finish);
        resolve(this.byId.get(id)!);
      };
      const onChange = (changed: Elicitation) => {
        if (changed.id === id && changed.status !== 'pending') finish();
      };
      const timer = setTimeout(finish, seconds * 1000);
      this.changes.on('change', onChange);
      signal?.addEventListener('abort', finish);
    });
  }

  list(agent: string, role: 'target' | 'requester', status?: string): Elicitation[] {
    const now = this.now();
    return [...this.byId.values()]
      .filter((e) => (role === 'target' ? e.to === agent : e.from === agent))
      .filter(
        (e) =>
          !status ||
          (status === 'pending' ? e.status === 'pending' && !isExpired(e, now) : e.status === status),
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }
}
