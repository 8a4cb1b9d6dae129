// POST /v1/validate's logic: decision cache → policy rules → risk score →
// expert escalation. Fail closed: whatever goes wrong, the answer is `block`.
// Every decision is appended to the `decisions` stream before it is returned.
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { ResolvedPaths, ResolvedToolCall } from '../policy/evaluate.js';
import type { Decision, Policy, PolicyResult, RuleHit, ToolCall } from '../policy/types.js';
import type { EscalationOutcome, EscalationRequest } from '../escalation/broker.js';
import { InvalidEventError } from '../events/errors.js';
import { checkJson } from '../events/validation.js';
import type { CachedDecision, DecisionCache } from './decision-cache.js';
import { warningsOf, type PolicyWarning } from './warnings.js';

export type Tier = 'cache' | 'policy' | 'risk' | 'escalation' | 'error';

export interface ValidationRequest {
  agentId: string;
  sessionId?: string;
  call: ResolvedToolCall;
  /** false: return `escalate` at once instead of waiting for an expert. */
  waitForExpert?: boolean;
}

export interface ValidationResult {
  decision: 'allow' | 'block' | 'escalate';
  reason: string;
  ruleId: string | null;
  tier: Tier;
  decisionId: string;
  policyRevision: string;
  latencyMs: number;
  /** Warn-mode rules that matched: not enforced, but the caller is told. */
  warnings: PolicyWarning[];
}

export interface DecisionRecord extends ValidationResult {
  agentId: string;
  sessionId: string | null;
  tool: string;
  input: Record<string, unknown>;
  cwd: string | null;
  resolvedPaths: ResolvedPaths | null;
  observed: RuleHit[];
  risk: { score: number; reasons: string[] } | null;
  expertId: string | null;
}

export interface ValidatorDependencies {
  policy: () => Policy;
  evaluate: (policy: Policy, call: ResolvedToolCall) => PolicyResult;
  cacheKey: (call: ToolCall) => string;
  risk: (call: ToolCall) => { score: number; reasons: string[] };
  /** What a risk score means: allow, block, or ask an expert. */
  riskDecision: (score: number) => Decision;
  /** Feature flag "heuristics": when off for an agent, calls no rule decides go to an expert unscored. */
  heuristics?: (agentId: string) => boolean;
  cache: DecisionCache;
  escalate: (req: EscalationRequest) => Promise<EscalationOutcome>;
  /** Refuses (throws) when the agent may not raise another escalation now. */
  admitEscalation: (agentId: string) => void;
  record: (decision: DecisionRecord) => Promise<void>;
  logger: Logger;
  onDecision?: (r: ValidationResult) => void;
  onCache?: (hit: boolean) => void;
}

/** What validation would decide, without side effects (no cache, no escalation, no event). */
export interface DryRunResult {
  decision: Decision;
  reason: string;
  ruleId: string | null;
  tier: 'policy' | 'risk';
  policyRevision: string;
  observed: RuleHit[];
  warnings: PolicyWarning[];
  risk: { score: number; reasons: string[] } | null;
}

export class Validator {
  constructor(private readonly deps: ValidatorDependencies) {}

  dryRun(call: ResolvedToolCall): DryRunResult {
    checkStorable(call);
    const policy = this.deps.policy();
    const result = this.deps.evaluate(policy, call);
    const base = {
      policyRevision: policy.revision,
      observed: result.observed,
      warnings: warningsOf(result.observed),
    };
    const hit = result.decisive;
    if (hit) {
      return {
        ...base,
        decision: hit.action,
        reason: hit.reason,
        ruleId: hit.ruleId,
        tier: 'policy',
        risk: null,
      };
    }
    const risk = this.deps.risk(call);
    const reason = `risk ${risk.score.toFixed(2)}${risk.reasons.length ? `: ${risk.reasons.join('; ')}` : ''}`;
    return {
      ...base,
      decision: this.deps.riskDecision(risk.score),
      reason,
      ruleId: null,
      tier: 'risk',
      risk,
    };
  }

  async validate(req: ValidationRequest): Promise<ValidationResult> {
    checkStorable(req.call, req.sessionId);
    const started = performance.now();
    const decisionId = randomUUID();
    let revision = 'unknown';
    let record: DecisionRecord;
    try {
      const policy = this.deps.policy();
      revision = policy.revision;
      record = await this.decide(req, policy, decisionId, started);
    } catch (err) {
      if (isRefusal(err)) throw err;
      this.deps.logger.error('validation failed; blocking', { err, decisionId, agentId: req.agentId });
      record = this.base(req, decisionId, revision, started, {
        decision: 'block',
        reason: 'internal_error',
        ruleId: null,
        tier: 'error',
      });
    }
    try {
      record.latencyMs = elapsed(started);
      await this.deps.record(record);
    } catch (err) {
      // The decision could not be made durable: it must not take effect as an allow.
      this.deps.logger.error('decision not recorded; blocking', { err, decisionId });
      record = { ...record, decision: 'block', reason: 'internal_error', tier: 'error', ruleId: null };
    }
    const result = toResult(record, elapsed(started));
    if (result.warnings.length > 0) {
      this.deps.logger.warn('warn-mode policy rules matched', {
        decisionId,
        agentId: req.agentId,
        tool: req.call.tool,
        decision: result.decision,
        warnings: result.warnings,
      });
    }
    this.deps.onDecision?.(result);
    return result;
  }

  private async decide(
    req: ValidationRequest,
    policy: Policy,
    decisionId: string,
    started: number,
  ): Promise<DecisionRecord> {
    const heuristics = this.deps.heuristics?.(req.agentId) ?? true;
    // The risk tier's answers are cached apart from those made without it, and each
    // agent's apart from the others' (a `cache` tier must not tell it what another ran).
    const key = heldKey(
      `${req.agentId}\u0000${policy.revision}\u0000${heuristics ? 'h' : '-'}\u0000${this.deps.cacheKey(req.call)}${resolvedKey(req.call.resolvedPaths)}`,
    );
    const cached = this.deps.cache.get(key, policy.revision);
    this.deps.onCache?.(cached !== undefined);
    if (cached) {
      return this.base(req, decisionId, policy.revision, started, { ...cached, tier: 'cache' });
    }

    const result = this.deps.evaluate(policy, req.call);
    // The cache keeps no hits, so a call a warn rule matched is always evaluated and its warning always given.
    const cacheable = warningsOf(result.observed).length === 0;
    const decided = (d: Omit<CachedDecision, 'policyRevision'>) => {
      if (cacheable) this.deps.cache.set(key, { ...d, policyRevision: policy.revision });
      return this.base(req, decisionId, policy.revision, started, d, result.observed);
    };
    const hit = result.decisive;
    if (hit && hit.action !== 'escalate') {
      return decided({ decision: hit.action, reason: hit.reason, ruleId: hit.ruleId, tier: 'policy' });
    }

    let risk: DecisionRecord['risk'] = null;
    let escalation: { reason: string; ruleId: string | null; category: string };
    if (hit) {
      escalation = { reason: hit.reason, ruleId: hit.ruleId, category: hit.category };
    } else if (!heuristics) {
      escalation = {
        reason: 'no rule matched and heuristics are disabled for this agent (feature flag "heuristics")',
        ruleId: null,
        category: 'risk',
      };
    } else {
      risk = this.deps.risk(req.call);
      const verdict = this.deps.riskDecision(risk.score);
      if (verdict !== 'escalate') {
        const reason = `risk ${risk.score.toFixed(2)}${risk.reasons.length ? `: ${risk.reasons.join('; ')}` : ''}`;
        return { ...decided({ decision: verdict, reason, ruleId: null, tier: 'risk' }), risk };
      }
      escalation = {
        reason: `risk ${risk.score.toFixed(2)}: ${risk.reasons.join('; ')}`,
        ruleId: null,
        category: 'risk',
      };
    }

    this.deps.admitEscalation(req.agentId);
    if (req.waitForExpert === false) {
      const r = this.base(
        req,
        decisionId,
        policy.revision,
        started,
        { decision: 'escalate', reason: escalation.reason, ruleId: escalation.ruleId, tier: 'escalation' },
        result.observed,
      );
      r.risk = risk;
      // Raised without waiting: the expert's answer is recorded on the escalation stream.
      void this.deps
        .escalate({
          decisionId,
          agentId: req.agentId,
          sessionId: req.sessionId,
          call: req.call,
          ...escalation,
        })
        .catch((err: unknown) => this.deps.logger.error('escalation failed', { err, decisionId }));
      return r;
    }
    const outcome = await this.deps.escalate({
      decisionId,
      agentId: req.agentId,
      sessionId: req.sessionId,
      call: req.call,
      ...escalation,
    });
    const r = this.base(
      req,
      decisionId,
      policy.revision,
      started,
      {
        decision: outcome.decision,
        reason: outcome.timedOut
          ? 'escalation_timeout'
          : outcome.reason || `decided by expert ${outcome.expertId}`,
        ruleId: escalation.ruleId,
        tier: 'escalation',
      },
      result.observed,
    );
    r.risk = risk;
    r.expertId = outcome.expertId;
    return r;
  }

  private base(
    req: ValidationRequest,
    decisionId: string,
    policyRevision: string,
    started: number,
    d: Pick<ValidationResult, 'decision' | 'reason' | 'ruleId' | 'tier'>,
    observed: RuleHit[] = [],
  ): DecisionRecord {
    return {
      decision: d.decision,
      reason: d.reason,
      ruleId: d.ruleId,
      tier: d.tier,
      decisionId,
      policyRevision,
      latencyMs: elapsed(started),
      warnings: warningsOf(observed),
      agentId: req.agentId,
      sessionId: req.sessionId ?? null,
      tool: req.call.tool,
      input: req.call.input,
      cwd: req.call.cwd ?? null,
      resolvedPaths: req.call.resolvedPaths ?? null,
      observed,
      risk: null,
      expertId: null,
    };
  }
}

/** Errors that refuse the request outright (e.g. a rate limit) rather than deciding it. */
export class ValidationRefusal extends Error {
  override name = 'ValidationRefusal';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

function isRefusal(err: unknown): err is ValidationRefusal {
  return err instanceof ValidationRefusal;
}

/** Where an escalation's event holds the call's input (data.call.input), the deepest of the events it goes into. */
const INPUT_DEPTH = 2;

/**
 * Refuses (400 invalid_data) a call the decision log or an escalation could not
 * hold: a NUL or a lone surrogate in its text, input nested past the store's
 * bound. Checked before anything is decided: otherwise it is a block for an
 * internal error, logged as one, once the policy has run (or has overflowed the stack).
 */
function checkStorable(call: ResolvedToolCall, sessionId?: string): void {
  const fields = { tool: call.tool, cwd: call.cwd, resolvedPaths: call.resolvedPaths, sessionId };
  try {
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) checkJson(value, name);
    checkJson(call.input, 'input', INPUT_DEPTH);
  } catch (err) {
    if (err instanceof InvalidEventError) throw new ValidationRefusal(400, err.code, err.message);
    throw err;
  }
}

/** Keys up to this long are held as they are; longer ones as their digest. */
const MAX_HELD_KEY_CHARS = 1024;

/**
 * The key the cache holds. A call's key carries its command, path or cwd verbatim, up
 * to a whole request body, and the cache holds up to LIGHTHOUSE_CACHE_MAX_ENTRIES keys:
 * verbatim, an agent's long calls could fill the heap (10,000 keys of 1 MB, 10 GB). A
 * long key is held as its SHA-256 instead; a digest never equals a key held verbatim,
 * which always holds a NUL.
 */
function heldKey(key: string): string {
  if (key.length <= MAX_HELD_KEY_CHARS) return key;
  return `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

/** The client's real paths take part in the decision, so they are part of its cache key. */
function resolvedKey(resolved: ResolvedPaths | undefined): string {
  if (resolved === undefined) return '';
  return `\u0000${JSON.stringify(Object.entries(resolved).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function toResult(r: DecisionRecord, latencyMs: number): ValidationResult {
  const out: ValidationResult = {
    decision: r.decision,
    reason: r.reason,
    ruleId: r.ruleId,
    tier: r.tier,
    decisionId: r.decisionId,
    policyRevision: r.policyRevision,
    latencyMs,
    warnings: r.warnings,
  };
  return out;
}
