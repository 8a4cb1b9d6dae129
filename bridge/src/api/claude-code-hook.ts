// POST /v1/hooks/claude-code: Claude Code's hook JSON as it is sent (an `http`
// hook cannot sign, so it carries a bearer hook token). PreToolUse is validated
// and answered in the hook output format; PostToolUse is recorded. An expert's
// answer maps to allow/deny; an escalation nobody answered in time becomes
// `ask`, handing the call to the person at the Claude Code prompt.
import { Router, type RequestHandler } from 'express';
import { agentOf } from '../auth/middleware.js';
import { limit, toolCallCosts } from '../ratelimit/middleware.js';
import type { BridgeServices } from '../server/services.js';
import { ValidationRefusal, type ValidationResult } from '../validation/validator.js';
import { warningNote } from '../validation/warnings.js';

interface HookInput {
  session_id?: string;
  cwd?: string;
  hook_event_name: string;
  tool_name: string;
  tool_input?: Record<string, unknown>;
  tool_use_id?: string;
  tool_response?: unknown;
}

export type PermissionDecision = 'allow' | 'deny' | 'ask';

export function permissionFor(
  result: Pick<ValidationResult, 'decision' | 'tier' | 'reason'>,
): PermissionDecision {
  if (result.decision === 'allow') return 'allow';
  if (result.decision === 'escalate') return 'ask';
  if (result.tier === 'escalation' && result.reason === 'escalation_timeout') return 'ask';
  return 'deny';
}

/** The hook output of a PreToolUse: the permission decision and its reason. */
function preToolUse(permissionDecision: PermissionDecision, reason: string) {
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision,
      permissionDecisionReason: `Lighthouse: ${reason}`,
    },
  };
}

/** What a PostToolUse report stores: `ToolCallCompleted` on the agent's `agent:<id>` stream. */
function completed(hook: HookInput) {
  return {
    tool: hook.tool_name,
    input: hook.tool_input ?? {},
    toolUseId: hook.tool_use_id ?? null,
    sessionId: hook.session_id ?? null,
  };
}

/**
 * Every hook call spends one of the `validate` budget. A PostToolUse report
 * only stores, so it also spends what a write every replica stores does (as
 * `POST /v1/events`): one of `writes`, and of `writeBytes` the bytes it stores
 * (not the tool's response, which it drops). All or none.
 */
function hookBudgets(s: BridgeServices): RequestHandler {
  return limit(
    s.rateLimiter,
    (req) => {
      const hook = req.body as HookInput;
      if (hook.hook_event_name !== 'PostToolUse') return toolCallCosts(req, s.config.bodyLimitBytes);
      return [
        ['validate', 1],
        ['writes', 1],
        ['writeBytes', Buffer.byteLength(JSON.stringify(completed(hook)))],
      ];
    },
    (budget) => s.metrics.rateLimited.inc({ budget }),
  );
}

export function claudeCodeHookRouter(s: BridgeServices): Router {
  const r = Router();
  r.post('/v1/hooks/claude-code', s.requests.body('claudeCodeHook'), hookBudgets(s), async (req, res) => {
    const agentId = agentOf(res);
    const hook = req.body as HookInput;
    const input = hook.tool_input ?? {};
    if (hook.hook_event_name === 'PreToolUse') {
      let result: ValidationResult;
      try {
        result = await s.validator.validate({
          agentId,
          sessionId: hook.session_id,
          call: { tool: hook.tool_name, input, ...(hook.cwd !== undefined ? { cwd: hook.cwd } : {}) },
        });
      } catch (err) {
        // A call the bridge cannot take (a NUL in its command, …) is denied, with why: an
        // HTTP hook's error answer would let Claude Code run the tool.
        if (!(err instanceof ValidationRefusal && err.status === 400)) throw err;
        res.json(preToolUse('deny', `${err.code}: ${err.message}`));
        return;
      }
      const why = result.ruleId ? `${result.reason} (rule ${result.ruleId})` : result.reason;
      res.json(
        preToolUse(
          permissionFor(result),
          `${why}${warningNote(result.warnings)} [decision ${result.decisionId}]`,
        ),
      );
      return;
    }
    if (hook.hook_event_name === 'PostToolUse') {
      await s.store.append(`agent:${agentId}`, [
        { type: 'ToolCallCompleted', data: completed(hook), metadata: { agentId } },
      ]);
    }
    // Other hook events carry no decision: an empty object lets Claude Code carry on.
    res.json({});
  });
  return r;
}
