import type { Request, RequestHandler } from 'express';
import { agentOf, rawBodyOf } from '../auth/middleware.js';
import { HttpError } from '../server/errors.js';
import type { Budget, RateLimiter } from './token-bucket.js';

type Costs = (req: Request) => readonly (readonly [Budget, number])[];

/** 429 with Retry-After unless the agent can spend all of `costs(req)` (then it spends them). */
export function limit(
  limiter: RateLimiter,
  costs: Costs,
  onLimited?: (budget: Budget) => void,
): RequestHandler {
  return (req, res, next) => {
    const d = limiter.takeAll(agentOf(res), costs(req));
    if (d.ok) return next();
    const budget = d.budget!;
    onLimited?.(budget);
    next(
      new HttpError(
        429,
        'rate_limited',
        `rate limit for ${budget} exceeded`,
        { budget },
        { 'Retry-After': String(d.retryAfterSeconds) },
      ),
    );
  };
}

/** 429 with Retry-After when the authenticated agent has spent this budget. */
export function rateLimit(
  limiter: RateLimiter,
  budget: Budget,
  onLimited?: (budget: Budget) => void,
): RequestHandler {
  return limit(limiter, () => [[budget, 1]], onLimited);
}

/**
 * The budgets of a write that every replica stores (a file, an annotation, a
 * context, an event): one of `writes`, and the body's bytes of `writeBytes`.
 */
export function writeLimit(limiter: RateLimiter, onLimited?: (budget: Budget) => void): RequestHandler {
  return limit(
    limiter,
    (req) => [
      ['writes', 1],
      ['writeBytes', rawBodyOf(req).length],
    ],
    onLimited,
  );
}

/**
 * The budgets of a tool call to decide: one of `validate`, and for a call carrying
 * more than an ordinary body (a Write of a large file) its bytes of `writeBytes`,
 * as the file itself would spend.
 */
export function toolCallCosts(req: Request, ordinaryBytes: number): [Budget, number][] {
  const bytes = rawBodyOf(req).length;
  return bytes > ordinaryBytes
    ? [
        ['validate', 1],
        ['writeBytes', bytes],
      ]
    : [['validate', 1]];
}
