// Which experts exist, what they can decide, and on which replicas they are
// connected right now. Replicas tell each other through NOTIFY, so an
// escalation raised on one replica can be routed to an expert on another.
export interface ExpertInfo {
  id: string;
  /** Rule categories the expert decides (`*` = all). */
  capabilities: string[];
  /** Replicas where the expert currently has an open stream or long poll. */
  replicas: Set<string>;
}

export class ExpertRegistry {
  private readonly experts = new Map<string, ExpertInfo>();

  register(id: string, capabilities: string[]): ExpertInfo {
    const existing = this.experts.get(id);
    if (existing) {
      existing.capabilities = capabilities;
      return existing;
    }
    const info = { id, capabilities, replicas: new Set<string>() };
    this.experts.set(id, info);
    return info;
  }

  get(id: string): ExpertInfo | undefined {
    return this.experts.get(id);
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
    let n = 0;
    for (const e of this.experts.values()) if (e.replicas.size > 0) n++;
    return n;
  }

  canDecide(id: string, category: string): boolean {
    const e = this.experts.get(id);
    return !!e && (e.capabilities.includes('*') || e.capabilities.includes(category));
  }

  /** Connected experts able to decide `category`, least loaded first (ties by id, so every replica agrees). */
  candidates(category: string, load: (id: string) => number): string[] {
    return [...this.experts.values()]
      .filter((e) => e.replicas.size > 0 && this.canDecide(e.id, category))
      .map((e) => e.id)
      .sort((a, b) => load(a) - load(b) || a.localeCompare(b));
  }

  all(): ExpertInfo[] {
    return [...this.experts.values()];
  }
}
