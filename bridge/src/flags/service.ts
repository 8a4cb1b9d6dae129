// Kill switches over the event store: `FlagKilled` / `FlagRestored` on the
// `flags` stream. Every replica follows the stream (woken by NOTIFY), so a
// kill takes effect everywhere within the subscription's wake-up latency.
import { catchUp, type EventStore, type Subscription } from '../events/index.js';
import { FLAG_EVENT_TYPES, type FeatureFlags, type FlagKillEvent, FLAGS_STREAM } from './feature-flags.js';

export class FlagService {
  private subscription: Subscription | undefined;
  /**
   * Per flag, the `flags` stream version of the last event applied. kill/restore
   * apply their event at once and the subscription delivers it again later,
   * maybe after a newer one: events are applied in stream order only.
   */
  private readonly applied = new Map<string, number>();

  constructor(
    readonly flags: FeatureFlags,
    private readonly store: EventStore,
  ) {}

  async start(): Promise<void> {
    const types = [...FLAG_EVENT_TYPES];
    const after = await catchUp(this.store, { types }, (e) => this.apply(e));
    this.subscription = this.store.subscribe({ from: after, types }, (e) => this.apply(e));
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    this.flags.close();
  }

  isEnabled(name: string, agentId: string): boolean {
    return this.flags.isEnabled(name, agentId);
  }

  async kill(flag: string, by: string, reason?: string): Promise<void> {
    const event = { type: 'FlagKilled', data: { flag, by, reason: reason ?? null } };
    const { version } = await this.store.append(FLAGS_STREAM, [event]);
    this.apply({ ...event, stream: FLAGS_STREAM, version });
  }

  async restore(flag: string, by: string): Promise<void> {
    const event = { type: 'FlagRestored', data: { flag, by } };
    const { version } = await this.store.append(FLAGS_STREAM, [event]);
    this.apply({ ...event, stream: FLAGS_STREAM, version });
  }

  /** Applies a kill-switch event of the `flags` stream unless a later one for its flag is in force. */
  private apply(e: FlagKillEvent & { stream: string; version: number }): void {
    if (e.stream !== FLAGS_STREAM) return; // only the bridge writes there (the events API reserves it)
    const flag = (e.data as { flag?: unknown }).flag;
    if (typeof flag !== 'string' || e.version <= (this.applied.get(flag) ?? 0)) return;
    this.applied.set(flag, e.version);
    this.flags.applyEvent(e);
  }
}
