// POST /v1/validate: the decision for one tool call.
import { Router } from 'express';
import { agentOf } from '../auth/middleware.js';
import { limit, toolCallCosts } from '../ratelimit/middleware.js';
import type { ResolvedToolCall } from '../policy/evaluate.js';
import type { BridgeServices } from '../server/services.js';

interface ValidateBody {
  tool: string;
  input: Record<string, unknown>;
  sessionId?: string;
  cwd?: string;
  /** The `lighthouse hook`'s real paths of the input's path arguments (OpenAPI: ValidateRequest). */
  resolvedPaths?: Record<string, string>;
  agentId?: string;
  wait?: boolean;
}

const callOf = (body: ValidateBody): ResolvedToolCall => ({
  tool: body.tool,
  input: body.input,
  ...(body.cwd !== undefined ? { cwd: body.cwd } : {}),
  ...(body.resolvedPaths !== undefined ? { resolvedPaths: body.resolvedPaths } : {}),
});

export function validateRouter(s: BridgeServices): Router {
  const r = Router();
  const budgets = limit(
    s.rateLimiter,
    (req) => toolCallCosts(req, s.config.bodyLimitBytes),
    (b) => s.metrics.rateLimited.inc({ budget: b }),
  );
  r.post('/v1/validate', s.requests.body('validate'), budgets, async (req, res) => {
    const agentId = agentOf(res);
    const body = req.body as ValidateBody;
    const result = await s.validator.validate({
      agentId,
      sessionId: body.sessionId,
      call: callOf(body),
      waitForExpert: body.wait !== false,
    });
    res.json(result);
  });
  // What /v1/validate would decide, for agents planning ahead: nothing is cached, escalated or recorded.
  r.post('/v1/validate/dry-run', s.requests.body('validateDryRun'), budgets, (req, res) => {
    res.json(s.validator.dryRun(callOf(req.body as ValidateBody)));
  });
  return r;
}
