// A process-wide bound on request bytes being buffered. The JSON parser holds a
// whole body in memory before the signature can be checked, so without a bound
// many slow or large uploads — signed or not — could exhaust the heap.
//
// A request holds the bytes it has sent (up to its route's limit, beyond which the
// parser keeps nothing), from its first byte until its response closes: what it
// merely declares costs nothing, so connections that declare large bodies and send
// nothing cannot lock the others out. One whose declared length cannot fit beside
// the bytes already held is refused unread; one whose bytes push the total past the
// budget (several were admitted at once) is cut off then, its connection closed.
// Counting the bytes as they come needs them to be the bytes the parser keeps: the
// parser is not to inflate compressed bodies (express.json `inflate: false`), and
// it must follow this middleware at once (its 'data' listener in the same tick).
import type { Request, RequestHandler } from 'express';
import { HttpError, sendError } from './errors.js';

export interface BodyBudgetOptions {
  maxBytes: number;
  /** The most a request's body may be (its parser's limit). */
  limitFor: (req: Request) => number;
  onReserved?: (bytes: number) => void;
  onRefused?: () => void;
}

const overloaded = () =>
  new HttpError(
    503,
    'overloaded',
    'too many request bodies are being received at once; retry shortly',
    undefined,
    { 'Retry-After': '1', Connection: 'close' },
  );

/** The request has a body: a length that is not 0, or a transfer coding (chunked). */
export function hasBody(req: Request): boolean {
  const declared = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (declared !== undefined && declared !== '0');
}

export function bodyBudget({ maxBytes, limitFor, onReserved, onRefused }: BodyBudgetOptions): RequestHandler {
  let reserved = 0;
  return (req, res, next) => {
    if (!hasBody(req)) {
      next();
      return;
    }
    const declared = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    const limit = limitFor(req);
    const length = Number(declared);
    // A length over the limit is refused by the parser (413), which reads the body off
    // without keeping it (counted below up to the limit all the same, until the 413).
    const expected = chunked || !Number.isSafeInteger(length) ? 1 : Math.min(length, limit);
    if (reserved + expected > maxBytes) {
      onRefused?.();
      throw overloaded();
    }
    let held = 0;
    const count = (chunk: Buffer) => {
      const more = Math.min(chunk.length, limit - held);
      if (more <= 0) return;
      held += more;
      reserved += more;
      onReserved?.(reserved);
      if (reserved > maxBytes) {
        req.off('data', count);
        onRefused?.();
        // The parser's share goes when the connection does (Connection: close), at once.
        sendError(res, overloaded());
      }
    };
    res.once('close', () => {
      req.off('data', count);
      reserved -= held;
      held = 0;
      onReserved?.(reserved);
    });
    req.on('data', count);
    next();
  };
}
