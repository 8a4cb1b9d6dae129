// What a log line says of an error: its name, message, code, stack and causes.
// Only these: other own fields of errors can carry what must not be logged (a
// body parser's error holds the request body, a driver's error the row values
// in its `detail`).

export interface ErrorFields {
  name: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: ErrorFields | string;
}

/**
 * Error.isError (Node 24; not yet in TypeScript's lib) also knows errors of another realm
 * (Node's own socket errors under jest's VM modules), which `instanceof Error` does not.
 */
export const isError = (value: unknown): value is Error =>
  (Error as { isError?: (v: unknown) => boolean }).isError?.(value) ?? value instanceof Error;

/** Causes deeper than this are left out (a cycle of causes must not hang logging). */
const MAX_CAUSES = 3;

export function errorFields(err: Error, depth = 0): ErrorFields {
  const out: ErrorFields = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.stack !== undefined) out.stack = err.stack;
  const cause: unknown = err.cause;
  if (isError(cause) && depth < MAX_CAUSES) out.cause = errorFields(cause, depth + 1);
  else if (typeof cause === 'string') out.cause = cause;
  return out;
}
