// Typed errors of the event store, each with the HTTP status the API maps it to.
import type { ExpectedVersion } from './types.js';

export { StoreUnavailableError } from '../storage/errors.js';

/** The stream's version was not the expected one; nothing was written. HTTP 409. */
export class ConcurrencyError extends Error {
  readonly code = 'concurrency_conflict';
  readonly status = 409;
  constructor(
    readonly stream: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${stream}: expected version ${String(expected)}, actual ${actual}`);
    this.name = 'ConcurrencyError';
  }
}

export type InvalidEventCode =
  'event_too_large' | 'invalid_stream_name' | 'invalid_data' | 'invalid_expected_version';

/** The request cannot be stored as given; nothing was written. HTTP 400. */
export class InvalidEventError extends Error {
  readonly status = 400;
  constructor(
    readonly code: InvalidEventCode,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}
