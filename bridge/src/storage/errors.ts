// Errors of the storage layer that callers can act on.

/** The database cannot be reached (refused, reset, shutting down, too many connections). Retry later. */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// SQLSTATEs meaning "the server went away or refuses connections now": class 08
// (connection exception), admin/crash shutdown, cannot connect now, too many connections.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

// The server is up but out of disk space (disk_full): the statement wrote nothing
// and can succeed once space returns, so it is answered like an outage (retry later).
const OUT_OF_SPACE_SQLSTATES = new Set(['53100']);

const MESSAGES = [
  'Connection terminated',
  'connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  'Connection ended unexpectedly',
];

/** True when `err` says the database is unreachable rather than that the statement was wrong. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  // Duck-typed: errors from Node's core (ECONNREFUSED…) may come from another realm (e.g. under jest).
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
  }
  return typeof message === 'string' && MESSAGES.some((m) => message.includes(m));
}

function isOutOfSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && OUT_OF_SPACE_SQLSTATES.has(code);
}

/** Rethrows connection failures (and a full disk) as StoreUnavailableError; other errors unchanged. */
export function classifyError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  if (isConnectionError(err) || isOutOfSpace(err)) {
    return new StoreUnavailableError(`database unavailable: ${String((err as Error).message)}`, {
      cause: err,
    });
  }
  return err;
}

/** Runs one driver call; its failure is rethrown as `classify` sees it. */
export async function classified<T>(
  call: () => Promise<T>,
  classify: (err: unknown) => unknown = classifyError,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classify(err);
  }
}
