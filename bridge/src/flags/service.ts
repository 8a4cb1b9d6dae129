// Kill switches over the event store: `FlagKilled` / `FlagRestored` on the
// `flags` stream. Every replica follows the stream (woken by NOTIFY), so a
// kill takes effect everywhere within the subscription's wake-up latency.
import { catchUp, type EventStore, type Subscription } from '../events/index.js';
import { FLAG_EVENT_TYPES, type FeatureFlags, FLAGS_STREAM } from './feature-flags.js';

export class FlagService {
  private subscription: Subscription | undefined;

  constructor(
    readonly flags: FeatureFlags,
    private readonly store: EventStore,
  ) {}

  async start(): Promise<void> {
    const types = [...FLAG_EVENT_TYPES];
    const after = await catchUp(this.store, { types }, (e) => this.flags.applyEvent(e));
    this.subscription = this.store.subscribe({ from: after, types }, (e) => this.flags.applyEvent(e));
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
    await this.store.append(FLAGS_STREAM, [event]);
    this.flags.applyEvent(event);
  }

  async restore(flag: string, by: string): Promise<void> {
    const event = { type: 'FlagRestored', data: { flag, by } };
    await this.store.append(FLAGS_STREAM, [event]);
    this.flags.applyEvent(event);
  }
}
