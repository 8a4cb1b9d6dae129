// One error shape everywhere: {error: {code, message, details?}} with the right
// status. Typed errors from the layers below are mapped here, in one place.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AuthError } from '../auth/errors.js';
import { ConcurrencyError, InvalidEventError } from '../events/errors.js';
import { StoreUnavailableError } from '../storage/errors.js';
import { EscalationError } from '../escalation/broker.js';
import { ValidationRefusal } from '../validation/validator.js';
import type { Logger } from '../logging/logger.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof AuthError) return new HttpError(401, err.reason, err.message);
  if (err instanceof ValidationRefusal) {
    const headers: Record<string, string> = err.retryAfterSeconds
      ? { 'Retry-After': String(err.retryAfterSeconds) }
      : {};
    return new HttpError(err.status, err.code, err.message, undefined, headers);
  }
  if (err instanceof EscalationError) return new HttpError(err.status, err.code, err.message);
  if (err instanceof ConcurrencyError) {
    return new HttpError(409, 'concurrency_conflict', err.message, {
      stream: err.stream,
      expected: String(err.expected),
      actual: err.actual,
    });
  }
  if (err instanceof InvalidEventError) return new HttpError(400, err.code, err.message);
  if (err instanceof StoreUnavailableError) {
    return new HttpError(503, 'store_unavailable', 'the event store is unavailable; retry later', undefined, {
      'Retry-After': '1',
    });
  }
  // The router could not percent-decode a path parameter (`%E0%A4%A`): the client's path, not a
  // fault here. Matched by name: under jest the router's URIError may be another realm's.
  const uri = err as { name?: unknown; status?: unknown } | null;
  if (uri?.name === 'URIError' && uri.status === 400)
    return new HttpError(400, 'malformed_path', 'the request path is not valid percent-encoded UTF-8');
  const bp = err as BodyParserError;
  if (bp?.type === 'entity.too.large') {
    return new HttpError(413, 'body_too_large', `request body exceeds ${bp.limit ?? 'the configured'} bytes`);
  }
  if (bp?.type === 'entity.parse.failed')
    return new HttpError(400, 'malformed_json', 'request body is not valid JSON');
  if (bp?.type === 'encoding.unsupported' || bp?.type === 'charset.unsupported') {
    return new HttpError(415, 'unsupported_encoding', 'unsupported content encoding or charset');
  }
  // Any other request the body parser refused (aborted, a size that does not match its length, …):
  // the client's fault, with its own status, not a 500 in the error log.
  if (typeof bp?.type === 'string' && typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500)
    return new HttpError(bp.status, 'bad_request', `the request body could not be read (${bp.type})`);
  return new HttpError(500, 'internal_error', 'internal error');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const http = toHttpError(err);
    const requestId = res.locals.requestId as string | undefined;
    // A 503 (the store away, the body budget full) says so in its answer and on /readyz and
    // /metrics; logged with its stack, each request of an outage would flood the log.
    if (http.status === 503)
      logger.warn('request unavailable', { code: http.code, requestId, path: req.path });
    else if (http.status >= 500) logger.error('request failed', { err, requestId, path: req.path });
    else logger.debug('request refused', { code: http.code, requestId, path: req.path });
    sendError(res, http);
  };
}

/** Answers with `http` in the one error shape, `{error: {code, message, details?}}`; ends a response already under way. */
export function sendError(res: Response, http: HttpError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.set(http.headers);
  const body: { code: string; message: string; details?: unknown } = {
    code: http.code,
    message: http.message,
  };
  if (http.details !== undefined) body.details = http.details;
  res.status(http.status).json({ error: body });
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};
