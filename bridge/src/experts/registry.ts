// Which experts exist, what they can decide, and on which replicas they are
// connected right now. What an expert may decide comes from its `expert:<id>`
// stream: an administrator's grant, the expert's own registration within it, a
// revocation of the grant (which ends the registration). Replicas tell each
// other through NOTIFY, so an escalation raised on one replica can be routed to
// an expert on another.

/** A rule category an expert decides: `*` (all) or a category name. */
export const CAPABILITY_PATTERN = /^(\*|[A-Za-z0-9_.-]{1,64})$/;

/** The events of an `expert:<id>` stream. */
export const EXPERT_GRANTED = 'ExpertGranted';
export const EXPERT_GRANT_REVOKED = 'ExpertGrantRevoked';
export const EXPERT_REGISTERED = 'ExpertRegistered';

export interface ExpertInfo {
  id: string;
  /** Rule categories it decides now (`*` = all): those it registered for, as far as its grant covers them. */
  capabilities: string[];
  /** What an administrator granted it; null: no grant. */
  granted: string[] | null;
  /** What it registered for; null: not registered (never, or not since its last grant was revoked). */
  registered: string[] | null;
  /** The version of its `expert:<id>` stream this reflects. */
  version: number;
  /** Replicas where the expert currently has an open stream or long poll. */
  replicas: Set<string>;
}

/** The requested capabilities a grant does not cover. */
export function notCovered(requested: string[], granted: string[]): string[] {
  return granted.includes('*') ? [] : requested.filter((c) => !granted.includes(c));
}

function inForce(registered: string[] | null, granted: string[] | null): string[] {
  if (!registered || !granted) return [];
  if (granted.includes('*')) return registered;
  // Registered for everything, then narrowed: what the grant still covers.
  if (registered.includes('*')) return granted;
  return registered.filter((c) => granted.includes(c));
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : undefined;

export class ExpertRegistry {
  private readonly experts = new Map<string, ExpertInfo>();

  /**
   * Applies event `version` of the expert's stream; false when it was applied
   * already (a replica reads a stream both when told and when asked, in either order).
   */
  apply(id: string, type: string, data: unknown, version: number): boolean {
    let e = this.experts.get(id);
    if (e && version <= e.version) return false;
    e ??= { id, capabilities: [], granted: null, registered: null, version: 0, replicas: new Set() };
    this.experts.set(id, e);
    e.version = version;
    const capabilities = strings((data as { capabilities?: unknown } | null)?.capabilities);
    if (type === EXPERT_GRANTED && capabilities) e.granted = capabilities;
    else if (type === EXPERT_REGISTERED && capabilities) e.registered = capabilities;
    else if (type === EXPERT_GRANT_REVOKED) {
      e.granted = null;
      e.registered = null;
    }
    e.capabilities = inForce(e.registered, e.granted);
    return true;
  }

  get(id: string): ExpertInfo | undefined {
    return this.experts.get(id);
  }

  /** Registered within a grant it still holds. */
  isExpert(id: string): boolean {
    const e = this.experts.get(id);
    return !!e?.registered && !!e.granted;
  }

  setConnected(id: string, replica: string, connected: boolean): void {
    const e = this.experts.get(id);
    if (!e) return;
    if (connected) e.replicas.add(replica);
    else e.replicas.delete(replica);
  }

  isConnected(id: string): boolean {
    return (this.experts.get(id)?.replicas.size ?? 0) > 0;
  }

  connectedCount(): number {
    return this.all().filter((e) => e.replicas.size > 0).length;
  }

  canDecide(id: string, category: string): boolean {
    const c = this.experts.get(id)?.capabilities ?? [];
    return c.includes('*') || c.includes(category);
  }

  /** Connected experts able to decide `category`, least loaded first (ties by id, so every replica agrees). */
  candidates(category: string, load: (id: string) => number): string[] {
    return [...this.experts.values()]
      .filter((e) => e.replicas.size > 0 && this.canDecide(e.id, category))
      .map((e) => e.id)
      .sort((a, b) => load(a) - load(b) || a.localeCompare(b));
  }

  /** The experts in force: registered within a grant they still hold. */
  all(): ExpertInfo[] {
    return [...this.experts.values()].filter((e) => this.isExpert(e.id));
  }

  /** Every agent whose stream this registry has read, expert or not. */
  ids(): string[] {
    return [...this.experts.keys()];
  }
}
