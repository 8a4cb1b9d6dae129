// Revocation is an event (stream `revocations`); every replica keeps the set in
// memory, learns of new revocations through NOTIFY at once, and re-reads the
// stream periodically in case a notification was lost with a connection.
import type { EventStore } from '../events/index.js';

export const REVOCATION_STREAM = 'revocations';
export const REVOCATION_CHANNEL = 'lighthouse_revocations';

export class RevocationList {
  private readonly revoked = new Set<string>();
  private unlisten: (() => Promise<void>) | undefined;
  private refresher: NodeJS.Timeout | undefined;
  /** The stream version read so far. */
  private readVersion = 0;
  private readonly listeners = new Set<(agentId: string) => void>();

  constructor(private readonly store: EventStore) {}

  async start(refreshMs = 5_000, onError: (err: unknown) => void = () => {}): Promise<void> {
    await this.refresh();
    // An empty payload means the listening connection was re-established: re-read what was missed.
    this.unlisten = await this.store.db.listen(REVOCATION_CHANNEL, (agentId) => {
      if (agentId) this.add(agentId);
      else void this.refresh().catch(onError);
    });
    this.refresher = setInterval(() => void this.refresh().catch(onError), refreshMs);
    this.refresher.unref();
  }

  /** Calls `fn` with each agent newly revoked (here or on another replica); returns the unsubscribe. */
  onRevoked(fn: (agentId: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private add(agentId: string): void {
    if (this.revoked.has(agentId)) return;
    this.revoked.add(agentId);
    for (const fn of this.listeners) fn(agentId);
  }

  isRevoked(agentId: string): boolean {
    return this.revoked.has(agentId);
  }

  get size(): number {
    return this.revoked.size;
  }

  async revoke(agentId: string, by: string): Promise<void> {
    await this.store.append(REVOCATION_STREAM, [{ type: 'AgentRevoked', data: { agentId, by } }]);
    this.add(agentId);
    await this.store.db.notify(REVOCATION_CHANNEL, agentId);
  }

  /** Reads what the stream gained since the last read, page by page (a read returns at most a page). */
  private async refresh(): Promise<void> {
    for (;;) {
      const events = await this.store.readStream(REVOCATION_STREAM, { fromVersion: this.readVersion + 1 });
      if (events.length === 0) return;
      for (const e of events) {
        const data = e.data as { agentId?: unknown };
        if (e.type === 'AgentRevoked' && typeof data.agentId === 'string') this.add(data.agentId);
        this.readVersion = Math.max(this.readVersion, e.version);
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.refresher);
    await this.unlisten?.();
  }
}
