// A process-wide bound on request bytes being buffered. The JSON parser holds a
// whole body in memory before the signature can be checked, so without a bound
// many slow or large uploads — signed or not — could exhaust the heap. A body
// reserves its declared length (or the route's limit when chunked) until its
// response closes; a request that would overrun the budget is refused unread.
import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors.js';

export interface BodyBudgetOptions {
  maxBytes: number;
  /** The most a request's body may be (its parser's limit). */
  limitFor: (req: Request) => number;
  onReserved?: (bytes: number) => void;
  onRefused?: () => void;
}

export function bodyBudget({ maxBytes, limitFor, onReserved, onRefused }: BodyBudgetOptions): RequestHandler {
  let reserved = 0;
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (!chunked && (declared === undefined || declared === '0')) {
      next();
      return;
    }
    const limit = limitFor(req);
    const length = Number(declared);
    // A length over the limit is refused by the parser (413) before it reads anything.
    const want = chunked || !Number.isSafeInteger(length) ? limit : Math.min(length, limit);
    if (reserved + want > maxBytes) {
      onRefused?.();
      res.set('connection', 'close');
      throw new HttpError(
        503,
        'overloaded',
        'too many request bodies are being received at once; retry shortly',
        undefined,
        { 'Retry-After': '1' },
      );
    }
    reserved += want;
    onReserved?.(reserved);
    res.once('close', () => onReserved?.((reserved -= want)));
    next();
  };
}
