// Tier 4: a call no rule could settle waits for an expert. The escalation is an
// event (stream `escalation:<id>`: Requested, then exactly one of Decided or
// Expired, enforced by expected version 1), replicas learn of it through NOTIFY,
// experts connected to any replica receive it, and the answer — posted to any
// replica — wakes the request waiting on the replica that raised it. Experts
// are agents registered within the categories an administrator granted them
// (stream `expert:<id>`).
import { randomUUID } from 'node:crypto';
import { MAX_ESCALATION_TIMEOUT_MS } from '../config/env.js';
import type { Logger } from '../logging/logger.js';
import { catchUp, type EventStore } from '../events/index.js';
import { ConcurrencyError, InvalidEventError } from '../events/errors.js';
import type { ToolCall } from '../policy/types.js';
import { loggedInput } from '../validation/logged-input.js';
import {
  EXPERT_GRANTED,
  EXPERT_GRANT_REVOKED,
  EXPERT_REGISTERED,
  notCovered,
  type ExpertInfo,
  type ExpertRegistry,
} from '../experts/registry.js';

export const ESCALATION_CHANNEL = 'lighthouse_escalations';
/** Tries at a registration or an answer while the expert's stream changes under it (each change makes the append conflict). */
const EXPERT_STREAM_TRIES = 5;
/** How long past its deadline an escalation raised elsewhere waits for that replica's expiry. */
const ORPHAN_GRACE_MS = 5_000;
const RESOLVED_MEMORY_MS = 60_000;

export interface EscalationRequest {
  decisionId: string;
  agentId: string;
  sessionId?: string | null;
  call: ToolCall;
  reason: string;
  ruleId: string | null;
  category: string;
}

export interface Escalation extends EscalationRequest {
  id: string;
  routedTo: string | null;
  createdAt: string;
  deadline: string;
}

export interface EscalationOutcome {
  decision: 'allow' | 'block';
  reason: string;
  expertId: string | null;
  timedOut: boolean;
}

export class EscalationError extends Error {
  override name = 'EscalationError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const notGranted = (expertId: string) =>
  new EscalationError(
    403,
    'not_granted',
    `agent ${expertId} holds no expert grant; an administrator grants one (lighthouse expert grant ${expertId} <capability>...)`,
  );

type Listener = (e: Escalation) => void;

/** An expert's open stream or long poll: what it is sent, and how it is ended when the expert may no longer decide. */
interface Connection {
  deliver: Listener;
  ended?: () => void;
}

type Notice =
  | { kind: 'requested'; id: string }
  | { kind: 'resolved'; id: string; decision: 'allow' | 'block'; reason: string; expertId: string | null }
  | { kind: 'expert'; id: string; replica: string; connected: boolean }
  /** The expert's stream gained an event (grant, revocation, registration): read it. */
  | { kind: 'changed'; id: string; replica: string }
  | { kind: 'hello'; replica: string }
  /** The replica is still there (see heartbeatMs). */
  | { kind: 'alive'; replica: string };

export interface BrokerDependencies {
  store: EventStore;
  registry: ExpertRegistry;
  replicaId: string;
  timeoutMs: number;
  logger: Logger;
  /** How long an expert with no open connection still counts as connected (long polls reconnect). */
  graceMs?: number;
  /**
   * How often a replica tells the others it is still there. One not heard from
   * for three of these (killed, or cut off from the database) no longer counts
   * as holding its experts' connections: it cannot say so itself.
   */
  heartbeatMs?: number;
  onPendingChange?: (pending: number) => void;
  onExpertsChange?: (connected: number) => void;
}

export class EscalationBroker {
  private readonly pending = new Map<string, Escalation>();
  private readonly waiters = new Map<string, (o: EscalationOutcome) => void>();
  private readonly listeners = new Map<string, Set<Connection>>();
  private readonly disconnectTimers = new Map<string, NodeJS.Timeout>();
  /**
   * Escalations resolved lately: a 'requested' notice whose stream read returned
   * before the resolution must not bring one back as pending once it is told.
   */
  private readonly resolvedIds = new Set<string>();
  private stopped = false;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly graceMs: number;
  private readonly heartbeatMs: number;
  private heartbeat: NodeJS.Timeout | undefined;
  /** When each other replica was last heard from. */
  private readonly lastHeard = new Map<string, number>();
  /** Replicas forgotten as silent, and when: one heard from again is asked to announce its experts. */
  private readonly forgotten = new Map<string, number>();

  constructor(private readonly deps: BrokerDependencies) {
    this.graceMs = deps.graceMs ?? 2_000;
    this.heartbeatMs = deps.heartbeatMs ?? 5_000;
  }

  async start(): Promise<void> {
    await this.loadExperts();
    this.unlisten = await this.deps.store.db.listen(ESCALATION_CHANNEL, (payload) => {
      if (payload) void this.onNotice(payload);
      else void this.resync();
    });
    await this.loadOpen();
    await this.notify({ kind: 'hello', replica: this.deps.replicaId });
    this.heartbeat = setInterval(() => {
      void this.notify({ kind: 'alive', replica: this.deps.replicaId }).catch(() => undefined);
      this.forgetSilentReplicas();
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Replicas not heard from for three heartbeats: their experts' connections are gone with them. */
  private forgetSilentReplicas(): void {
    const before = Date.now() - 3 * this.heartbeatMs;
    for (const [replica, at] of this.lastHeard) {
      if (at >= before) continue;
      this.lastHeard.delete(replica);
      this.forgotten.set(replica, Date.now());
      this.deps.logger.warn('replica silent: its experts count as disconnected', { replica });
      this.forgetConnections((r) => r === replica);
    }
    // One silent for an hour is gone for good.
    for (const [replica, at] of this.forgotten)
      if (at < Date.now() - 3_600_000) this.forgotten.delete(replica);
  }

  /** Notes that `replica` was heard from; one forgotten as silent is asked (by a hello) to announce its experts again. */
  private heardFrom(replica: string): void {
    if (replica === this.deps.replicaId) return;
    this.lastHeard.set(replica, Date.now());
    if (!this.forgotten.delete(replica)) return;
    this.deps.logger.warn('replica heard from again', { replica });
    void this.notify({ kind: 'hello', replica: this.deps.replicaId }).catch(() => undefined);
  }

  /** Drops the connections `which` replicas held; their escalations go to whoever else may decide them. */
  private forgetConnections(which: (replica: string) => boolean): void {
    const gone: string[] = [];
    for (const id of this.deps.registry.ids()) {
      for (const replica of this.deps.registry.get(id)?.replicas ?? []) {
        if (replica === this.deps.replicaId || !which(replica)) continue;
        this.deps.registry.setConnected(id, replica, false);
        gone.push(id);
      }
    }
    if (gone.length === 0) return;
    this.changedExperts();
    for (const id of gone) this.redeliverFrom(id);
  }

  /**
   * Escalations raised before this replica started and still open: it hears of
   * later ones by NOTIFY, but these too must reach its experts and, if the replica
   * that raised one is gone, be expired by someone. Read after LISTEN, so none
   * falls between the two.
   */
  private async loadOpen(): Promise<void> {
    const open = new Map<string, Escalation>();
    // Older ones are past the longest deadline the configuration allows, and expired by now.
    const from = new Date(Date.now() - MAX_ESCALATION_TIMEOUT_MS - ORPHAN_GRACE_MS - 60_000);
    const types = ['EscalationRequested', 'EscalationDecided', 'EscalationExpired'];
    await catchUp(this.deps.store, { types, streamPrefix: 'escalation:', from }, (e) => {
      const id = e.stream.slice('escalation:'.length);
      if (e.type === 'EscalationRequested' && e.version === 1) open.set(id, e.data as Escalation);
      else open.delete(id);
    });
    for (const e of open.values()) this.track(e);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const t of this.disconnectTimers.values()) clearTimeout(t);
    // A stopping replica takes its experts' connections with it: tell the other replicas now.
    const here = new Set([...this.listeners.keys(), ...this.disconnectTimers.keys()]);
    for (const id of here) await this.announce(id, false).catch(() => undefined);
    await this.unlisten?.();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Escalations an expert may answer now: routed to it, or routed to nobody connected and in its categories. */
  pendingFor(expertId: string): Escalation[] {
    return [...this.pending.values()].filter((e) => this.mayDecide(expertId, e));
  }

  /** Grants and registrations survive restarts: replayed from the `expert:*` streams. */
  private async loadExperts(): Promise<void> {
    const types = [EXPERT_GRANTED, EXPERT_GRANT_REVOKED, EXPERT_REGISTERED];
    await catchUp(this.deps.store, { types, streamPrefix: 'expert:' }, (e) => {
      this.deps.registry.apply(e.stream.slice('expert:'.length), e.type, e.data, e.version);
    });
  }

  /**
   * Reads what the agent's `expert:<id>` stream gained since this replica last
   * read it: a grant, revocation or registration made on another replica whose
   * notice has not arrived (or was lost with a LISTEN connection). Escalations
   * routed to an expert that may no longer decide them go to the others.
   */
  private async refresh(expertId: string): Promise<void> {
    let changed = false;
    for (;;) {
      const fromVersion = (this.deps.registry.get(expertId)?.version ?? 0) + 1;
      const events = await this.deps.store.readStream(`expert:${expertId}`, { fromVersion });
      if (events.length === 0) break;
      for (const e of events)
        changed = this.deps.registry.apply(expertId, e.type, e.data, e.version) || changed;
    }
    if (!changed) return;
    this.changedExperts();
    this.redeliverFrom(expertId);
    if (!this.deps.registry.get(expertId)?.registered)
      for (const c of this.listeners.get(expertId) ?? []) c.ended?.();
  }

  /**
   * Throws unless `expertId` is registered within a grant it holds, as the
   * store says now: a revocation made on another replica a moment ago counts.
   */
  async requireExpert(expertId: string): Promise<void> {
    await this.refresh(expertId);
    const e = this.deps.registry.get(expertId);
    if (!e?.granted) throw notGranted(expertId);
    if (!e.registered)
      throw new EscalationError(409, 'not_registered', 'register with POST /v1/experts first');
  }

  /** An administrator grants `expertId` the right to decide these categories (replacing any earlier grant). */
  async grantExpert(expertId: string, capabilities: string[], by: string): Promise<void> {
    await this.appendExpertEvent(expertId, EXPERT_GRANTED, { expertId, capabilities, by });
  }

  /** An administrator revokes the grant: the registration ends, its escalations go to the others. */
  async revokeGrant(expertId: string, by: string): Promise<void> {
    await this.refresh(expertId);
    if (!this.deps.registry.get(expertId)?.granted)
      throw new EscalationError(404, 'not_found', `agent ${expertId} holds no expert grant`);
    await this.appendExpertEvent(expertId, EXPERT_GRANT_REVOKED, { expertId, by });
  }

  /**
   * The agent's credential is being revoked: a grant it holds is revoked first
   * (appended at the version it was read at, so one given meanwhile is read
   * again), so that an answer it sent before is recorded before the revocation
   * or refused, never after it (see decide). Nothing when it holds none.
   */
  async endGrantOf(agentId: string, by: string): Promise<void> {
    await this.appendAtReadVersion(agentId, (e) =>
      e?.granted
        ? { type: EXPERT_GRANT_REVOKED, data: { expertId: agentId, by, reason: 'agent_revoked' } }
        : undefined,
    );
  }

  /**
   * The agent registers to decide these categories, all of which its grant must
   * cover. Appended at the stream version the grant was read at, so a grant
   * changed meanwhile (on any replica) is read again rather than overtaken.
   */
  async registerExpert(expertId: string, capabilities: string[]): Promise<void> {
    await this.appendAtReadVersion(expertId, (e) => {
      if (!e?.granted) throw notGranted(expertId);
      const missing = notCovered(capabilities, e.granted);
      if (missing.length > 0) {
        throw new EscalationError(
          403,
          'not_granted',
          `capabilities not granted to ${expertId}: ${missing.join(', ')} (granted: ${e.granted.join(', ')})`,
        );
      }
      return { type: EXPERT_REGISTERED, data: { expertId, capabilities } };
    });
  }

  /**
   * Reads the expert's stream, asks `next` what to append given it (nothing:
   * done), and appends that at the version read; when the stream moved
   * meanwhile, reads and asks again.
   */
  private async appendAtReadVersion(
    expertId: string,
    next: (e: ExpertInfo | undefined) => { type: string; data: Record<string, unknown> } | undefined,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.refresh(expertId);
      const e = this.deps.registry.get(expertId);
      const event = next(e);
      if (!event) return;
      try {
        return await this.appendExpertEvent(expertId, event.type, event.data, e?.version ?? 0);
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= EXPERT_STREAM_TRIES) throw err;
      }
    }
  }

  private async appendExpertEvent(
    expertId: string,
    type: string,
    data: Record<string, unknown>,
    expectedVersion?: number,
  ): Promise<void> {
    await this.deps.store.append(
      `expert:${expertId}`,
      [{ type, data }],
      expectedVersion === undefined ? {} : { expectedVersion },
    );
    await this.refresh(expertId);
    // Other replicas read the stream when told; one that misses this reads it when the expert calls.
    await this.notify({ kind: 'changed', id: expertId, replica: this.deps.replicaId }).catch((err: unknown) =>
      this.deps.logger.warn('expert notice not sent', { err, expertId }),
    );
  }

  /**
   * An expert opens a stream or long poll; returns the function that closes it.
   * `ended` is called when its grant is withdrawn (here or on another replica).
   */
  connect(expertId: string, deliver: Listener, ended?: () => void): () => void {
    const connection: Connection = ended ? { deliver, ended } : { deliver };
    let set = this.listeners.get(expertId);
    const first = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(expertId, set);
    }
    set.add(connection);
    const timer = this.disconnectTimers.get(expertId);
    if (timer) {
      clearTimeout(timer);
      this.disconnectTimers.delete(expertId);
    } else if (first) {
      this.deps.registry.setConnected(expertId, this.deps.replicaId, true);
      this.changedExperts();
      void this.announce(expertId, true).catch((err: unknown) =>
        this.deps.logger.warn('expert announce failed', { err }),
      );
    }
    return () => {
      set.delete(connection);
      if (set.size > 0) return;
      this.listeners.delete(expertId);
      this.disconnectTimers.set(
        expertId,
        setTimeout(() => {
          this.disconnectTimers.delete(expertId);
          if (this.listeners.has(expertId)) return;
          this.deps.registry.setConnected(expertId, this.deps.replicaId, false);
          this.changedExperts();
          this.redeliverFrom(expertId);
          void this.announce(expertId, false).catch((err: unknown) =>
            this.deps.logger.warn('expert announce failed', { err }),
          );
        }, this.graceMs),
      );
    };
  }

  /** Raises an escalation and waits (bounded) for an expert; a timeout is a block. */
  async escalate(req: EscalationRequest): Promise<EscalationOutcome> {
    const now = Date.now();
    const [routedTo = null] = this.deps.registry
      .candidates(req.category, (id) => this.loadOf(id))
      .filter((id) => id !== req.agentId);
    const escalation: Escalation = {
      ...req,
      sessionId: req.sessionId ?? null,
      id: randomUUID(),
      routedTo,
      createdAt: new Date(now).toISOString(),
      deadline: new Date(now + this.deps.timeoutMs).toISOString(),
    };
    const outcome = new Promise<EscalationOutcome>((resolve) => this.waiters.set(escalation.id, resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      this.track(await this.record(escalation));
      timer = setTimeout(() => void this.expire(escalation.id), this.deps.timeoutMs);
      // Experts on this replica already have it; other replicas learn of it through NOTIFY.
      await this.notify({ kind: 'requested', id: escalation.id }).catch((err: unknown) =>
        this.deps.logger.warn('escalation notice not sent', { err, id: escalation.id }),
      );
      return await outcome;
    } finally {
      clearTimeout(timer);
      this.waiters.delete(escalation.id);
      if (this.pending.delete(escalation.id)) this.deps.onPendingChange?.(this.pending.size);
    }
  }

  /**
   * Appends the escalation. A call whose input does not fit in one event (a Write of
   * megabytes) is raised with the input in its logged form, as the decision log keeps
   * it (large fields as size and digest), on every replica alike: it is not blocked
   * as an internal error, and the expert decides on the rest of the call.
   */
  private async record(escalation: Escalation): Promise<Escalation> {
    const append = (e: Escalation) =>
      this.deps.store.append(
        `escalation:${e.id}`,
        // The event's id is the escalation's, which the outcome names as its cause.
        [{ id: e.id, type: 'EscalationRequested', data: e }],
        { expectedVersion: 'no_stream' },
      );
    try {
      await append(escalation);
      return escalation;
    } catch (err) {
      if (!(err instanceof InvalidEventError && err.code === 'event_too_large')) throw err;
    }
    const bounded = {
      ...escalation,
      call: { ...escalation.call, input: loggedInput(escalation.call.input) },
    };
    await append(bounded);
    return bounded;
  }

  /**
   * An expert's answer. Only an expert the escalation may go to can answer; only
   * the first answer counts. The answer is recorded only while the expert's
   * stream is still at the version its grant and registration were checked at
   * (and is held there until the answer commits): a grant narrowed or revoked on
   * any replica a moment before is read and checked again, one revoked a moment
   * after comes after the answer, never between the check and the record.
   */
  async decide(expertId: string, id: string, decision: 'allow' | 'block', reason: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const e = this.pending.get(id) ?? (await this.load(id));
      if (e === 'resolved')
        throw new EscalationError(409, 'already_resolved', 'this escalation was already resolved');
      if (!e) throw new EscalationError(404, 'not_found', `no open escalation ${id}`);
      if (e.agentId === expertId)
        throw new EscalationError(403, 'own_escalation', 'an expert may not decide its own escalation');
      // Read before the checks: what they are made against is what the append requires.
      const checkedAt = this.deps.registry.get(expertId)?.version ?? 0;
      if (!this.deps.registry.canDecide(expertId, e.category)) {
        throw new EscalationError(
          403,
          'not_granted',
          `deciding category ${e.category} is not within what ${expertId} is granted and registered for`,
        );
      }
      if (!this.mayDecide(expertId, e)) {
        throw new EscalationError(403, 'not_routed_to_you', 'this escalation is routed to another expert');
      }
      // Past the deadline the caller has its block (or will, from whoever records the expiry).
      if (Date.parse(e.deadline) <= Date.now()) {
        await this.expire(id);
        throw new EscalationError(
          409,
          'already_resolved',
          'this escalation expired before the answer arrived',
        );
      }
      try {
        await this.deps.store.append(
          `escalation:${id}`,
          [
            {
              type: 'EscalationDecided',
              data: { id, decision, reason, expertId },
              metadata: { causationId: id },
            },
          ],
          { expectedVersion: 1, requires: { stream: `expert:${expertId}`, version: checkedAt } },
        );
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
        if (err.stream === `escalation:${id}`)
          throw new EscalationError(409, 'already_resolved', 'this escalation was already resolved');
        // The expert's stream changed since this replica read it: read it, and check again.
        if (attempt >= EXPERT_STREAM_TRIES) throw err;
        await this.refresh(expertId);
        continue;
      }
      this.resolve({ kind: 'resolved', id, decision, reason, expertId });
      await this.notify({ kind: 'resolved', id, decision, reason, expertId });
      return;
    }
  }

  private async expire(id: string): Promise<void> {
    const timedOut: EscalationOutcome = {
      decision: 'block',
      reason: 'escalation_timeout',
      expertId: null,
      timedOut: true,
    };
    try {
      await this.deps.store.append(
        `escalation:${id}`,
        [{ type: 'EscalationExpired', data: { id }, metadata: { causationId: id } }],
        {
          expectedVersion: 1,
        },
      );
    } catch (err) {
      if (err instanceof ConcurrencyError) {
        // An expert answered in the same instant: that answer stands.
        if (await this.resolveFromStore(id)) return;
        // Another replica already recorded the expiry of an orphan: nothing left to tell.
        if (!this.waiters.has(id)) return this.finish(id, timedOut);
      } else {
        // Fail closed at once; but the stream still says open, so nobody is told it is
        // resolved, and the expiry is tried again until it is recorded (or an answer found).
        this.deps.logger.error('escalation expiry not recorded; trying again', { err, id });
        this.waiters.get(id)?.(timedOut);
        if (!this.stopped) setTimeout(() => void this.expire(id), ORPHAN_GRACE_MS).unref();
        return;
      }
    }
    this.finish(id, timedOut);
    await this.notify({
      kind: 'resolved',
      id,
      decision: 'block',
      reason: 'escalation_timeout',
      expertId: null,
    }).catch(() => {});
  }

  private mayDecide(expertId: string, e: Escalation): boolean {
    const r = this.deps.registry;
    // Nobody judges their own call: an agent registered as an expert must not approve what it asked for.
    if (e.agentId === expertId) return false;
    // Only within its grant as it is now, even what was routed to it before a narrowing or revocation.
    if (!r.canDecide(expertId, e.category)) return false;
    if (e.routedTo === expertId) return true;
    // Routed to another expert who is still there and may still decide it.
    return !(e.routedTo !== null && r.isConnected(e.routedTo) && r.canDecide(e.routedTo, e.category));
  }

  private loadOf(expertId: string): number {
    let n = 0;
    for (const e of this.pending.values()) if (e.routedTo === expertId) n++;
    return n;
  }

  private track(e: Escalation): void {
    if (this.pending.has(e.id) || this.resolvedIds.has(e.id)) return;
    this.pending.set(e.id, e);
    // The replica that raised it expires it at its deadline. If that replica died,
    // no resolution comes: a replica still tracking it records the expiry instead
    // (the stream's expected version lets only one replica write it).
    const orphaned = setTimeout(
      () => {
        if (!this.waiters.has(e.id) && this.pending.has(e.id)) void this.expire(e.id);
      },
      Date.parse(e.deadline) - Date.now() + ORPHAN_GRACE_MS,
    );
    orphaned.unref();
    this.deps.onPendingChange?.(this.pending.size);
    for (const [expertId, set] of this.listeners) {
      if (this.mayDecide(expertId, e)) for (const c of set) c.deliver(e);
    }
  }

  /** The expert left: escalations routed to it go to whoever else may decide them. */
  private redeliverFrom(expertId: string): void {
    for (const e of this.pending.values()) {
      if (e.routedTo !== expertId) continue;
      for (const [other, set] of this.listeners)
        if (other !== expertId && this.mayDecide(other, e)) for (const c of set) c.deliver(e);
    }
  }

  private resolve(n: Extract<Notice, { kind: 'resolved' }>): void {
    this.finish(n.id, {
      decision: n.decision,
      reason: n.reason,
      expertId: n.expertId,
      timedOut: n.expertId === null,
    });
  }

  private finish(id: string, outcome: EscalationOutcome): void {
    if (this.pending.delete(id)) this.deps.onPendingChange?.(this.pending.size);
    this.resolvedIds.add(id);
    setTimeout(() => this.resolvedIds.delete(id), RESOLVED_MEMORY_MS).unref();
    this.waiters.get(id)?.(outcome);
  }

  /** The escalation from the store: open, already resolved, or unknown. */
  private async load(id: string): Promise<Escalation | 'resolved' | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const events = await this.deps.store.readStream(`escalation:${id}`, { limit: 2 });
    if (events[0]?.type !== 'EscalationRequested') return undefined;
    return events.length > 1 ? 'resolved' : (events[0].data as Escalation);
  }

  private async onNotice(payload: string): Promise<void> {
    let n: Notice;
    try {
      n = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    if ('replica' in n) this.heardFrom(n.replica);
    try {
      switch (n.kind) {
        case 'alive':
          return;
        case 'requested': {
          if (this.pending.has(n.id)) return;
          const e = await this.load(n.id);
          if (e && e !== 'resolved') this.track(e);
          return;
        }
        case 'resolved':
          this.resolve(n);
          return;
        case 'changed':
          if (n.replica !== this.deps.replicaId) await this.refresh(n.id);
          return;
        case 'expert':
          if (n.replica === this.deps.replicaId) return;
          // An expert this replica has not read yet (its notice lost): what it may decide is in its stream.
          if (!this.deps.registry.get(n.id)) await this.refresh(n.id);
          this.deps.registry.setConnected(n.id, n.replica, n.connected);
          this.changedExperts();
          if (!n.connected) this.redeliverFrom(n.id);
          return;
        case 'hello':
          if (n.replica === this.deps.replicaId) return;
          for (const id of this.listeners.keys()) await this.announce(id, true);
          return;
      }
    } catch (err) {
      this.deps.logger.warn('escalation notice not handled', { err, kind: n.kind });
    }
  }

  /** Resolves `id` from an expert's answer already in the store; false when there is none. */
  private async resolveFromStore(id: string): Promise<boolean> {
    const [decided] = await this.deps.store.readStream(`escalation:${id}`, { fromVersion: 2, limit: 1 });
    const d = decided?.data as
      { decision?: 'allow' | 'block'; reason?: string; expertId?: string } | undefined;
    if (decided?.type !== 'EscalationDecided' || !d?.decision) return false;
    this.resolve({
      kind: 'resolved',
      id,
      decision: d.decision,
      reason: d.reason ?? '',
      expertId: d.expertId ?? null,
    });
    return true;
  }

  /** After the NOTIFY connection was re-established: pick up answers and experts (dis)connected meanwhile. */
  private async resync(): Promise<void> {
    try {
      for (const id of [...this.waiters.keys()]) await this.resolveFromStore(id);
      for (const id of this.deps.registry.ids()) await this.refresh(id);
      // Disconnects announced meanwhile were missed too: the others' connections are
      // forgotten, and learnt again from what they announce on hearing the hello.
      this.forgetConnections(() => true);
      await this.notify({ kind: 'hello', replica: this.deps.replicaId });
      for (const id of this.listeners.keys()) await this.announce(id, true);
    } catch (err) {
      this.deps.logger.warn('escalation resync failed', { err });
    }
  }

  private async announce(expertId: string, connected: boolean): Promise<void> {
    const info = this.deps.registry.get(expertId);
    if (!info) return;
    await this.notify({ kind: 'expert', id: expertId, replica: this.deps.replicaId, connected });
  }

  private changedExperts(): void {
    this.deps.onExpertsChange?.(this.deps.registry.connectedCount());
  }

  private notify(n: Notice): Promise<void> {
    return this.deps.store.db.notify(ESCALATION_CHANNEL, JSON.stringify(n));
  }
}
