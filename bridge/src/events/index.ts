// Public surface of the event store.
export type {
  AppendOptions,
  AppendResult,
  Checkpoint,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadAllPage,
  Snapshot,
  StoredEvent,
  SubscribeOptions,
  Subscription,
} from './types.js';
export { START } from './types.js';
export { ConcurrencyError, InvalidEventError, StoreUnavailableError } from './errors.js';
export type { InvalidEventCode } from './errors.js';
export { EVENTS_CHANNEL, eventMigrations } from './schema.js';
export { catchUp } from './catch-up.js';
export { createEventStore, openEventStore, type EventStoreOptions } from './store.js';
export { STREAM_NAME } from './validation.js';
