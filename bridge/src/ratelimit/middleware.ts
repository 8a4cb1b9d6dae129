import type { RequestHandler } from 'express';
import { agentOf } from '../auth/middleware.js';
import { HttpError } from '../server/errors.js';
import type { Budget, RateLimiter } from './token-bucket.js';

/** 429 with Retry-After when the authenticated agent has spent this budget. */
export function rateLimit(
  limiter: RateLimiter,
  budget: Budget,
  onLimited?: (budget: Budget) => void,
): RequestHandler {
  return (_req, res, next) => {
    const d = limiter.take(agentOf(res), budget);
    if (d.ok) return next();
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
