// The tier logic with plain values: a two-rule policy, a fixed risk function,
// and an in-memory list standing in for the decision record. Enforcement modes and
// resolved paths run the real policy engine.
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import winston from 'winston';
import type { EscalationOutcome, EscalationRequest } from '../escalation/broker.js';
import { createLogger } from '../logging/logger.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import { parsePolicy } from '../policy/parse.js';
import type { Policy, PolicyResult, ToolCall } from '../policy/types.js';
import { DecisionCache } from './decision-cache.js';
import {
  ValidationRefusal,
  Validator,
  type DecisionRecord,
  type ValidatorDependencies,
} from './validator.js';

const policy: Policy = { revision: 'r1', rules: [] };
const hit = (action: 'allow' | 'block' | 'escalate', ruleId: string) => ({
  ruleId,
  action,
  enforcement: 'enforce' as const,
  category: 'test',
  reason: `${ruleId} matched`,
});

function evaluate(_p: Policy, call: ToolCall): PolicyResult {
  if (call.tool === 'Read') return { decisive: hit('allow', 'read'), observed: [] };
  if (call.tool === 'Nuke') return { decisive: hit('block', 'nuke'), observed: [] };
  if (call.tool === 'Sudo') return { decisive: hit('escalate', 'sudo'), observed: [] };
  return { decisive: null, observed: [{ ...hit('block', 'trial'), enforcement: 'dryrun' }] };
}

const silent = createLogger('error');
silent.silent = true;

function setup(over: Partial<ValidatorDependencies> = {}) {
  const records: DecisionRecord[] = [];
  const escalations: EscalationRequest[] = [];
  let current = policy;
  const cache = new DecisionCache(100, 60_000);
  const deps: ValidatorDependencies = {
    policy: () => current,
    evaluate,
    cacheKey: (c) => `${c.tool}:${JSON.stringify(c.input)}`,
    risk: (c) => ({ score: Number(c.input.risk ?? 0), reasons: ['test'] }),
    riskDecision: (s) => (s >= 0.7 ? 'block' : s >= 0.4 ? 'escalate' : 'allow'),
    cache,
    escalate: async (req): Promise<EscalationOutcome> => {
      escalations.push(req);
      return { decision: 'allow', reason: 'expert says fine', expertId: 'e1', timedOut: false };
    },
    admitEscalation: () => {},
    record: async (d) => {
      records.push(d);
    },
    logger: silent,
    ...over,
  };
  return { v: new Validator(deps), records, escalations, cache, setPolicy: (p: Policy) => (current = p) };
}

const req = (tool: string, input: Record<string, unknown> = {}) => ({ agentId: 'a', call: { tool, input } });

describe('Validator', () => {
  it('decides by policy, then answers the same call from the cache', async () => {
    const { v, records } = setup();
    expect(await v.validate(req('Nuke'))).toMatchObject({
      decision: 'block',
      tier: 'policy',
      ruleId: 'nuke',
      policyRevision: 'r1',
    });
    expect(await v.validate(req('Nuke'))).toMatchObject({ decision: 'block', tier: 'cache', ruleId: 'nuke' });
    expect(records.map((r) => r.tier)).toEqual(['policy', 'cache']);
    expect(new Set(records.map((r) => r.decisionId)).size).toBe(2);
  });

  it("answers one agent's call from its own cache only: another agent's same call is decided anew", async () => {
    const { v } = setup();
    const as = (agentId: string) => ({ agentId, call: { tool: 'Nuke', input: {} } });
    expect(await v.validate(as('a'))).toMatchObject({ tier: 'policy' });
    expect(await v.validate(as('b'))).toMatchObject({ tier: 'policy' });
    expect(await v.validate(as('b'))).toMatchObject({ tier: 'cache' });
  });

  it('holds a long call key in the cache as its digest, not verbatim', async () => {
    // A key carries a command or path verbatim, up to a whole request body; the cache holds
    // LIGHTHOUSE_CACHE_MAX_ENTRIES of them (10,000 of 1 MB each would be 10 GB of heap).
    const { v, cache } = setup();
    const keys: string[] = [];
    const set = cache.set.bind(cache);
    cache.set = (key, entry) => {
      keys.push(key);
      set(key, entry);
    };
    const big = 'x'.repeat(1_000_000);
    expect(await v.validate(req('Read', { file_path: big }))).toMatchObject({ tier: 'policy' });
    expect(await v.validate(req('Read', { file_path: big }))).toMatchObject({ tier: 'cache' });
    expect(await v.validate(req('Read', { file_path: `${big}y` }))).toMatchObject({ tier: 'policy' });
    expect(await v.validate(req('Read', { file_path: 'short' }))).toMatchObject({ tier: 'policy' });
    expect(await v.validate(req('Read', { file_path: 'short' }))).toMatchObject({ tier: 'cache' });
    expect(keys.map((k) => k.length < 1_100)).toEqual([true, true, true]);
  });

  it('does not reuse cached decisions under a new policy revision', async () => {
    const { v, setPolicy } = setup();
    await v.validate(req('Read'));
    setPolicy({ revision: 'r2', rules: [] });
    expect(await v.validate(req('Read'))).toMatchObject({ tier: 'policy', policyRevision: 'r2' });
  });

  it('falls back to the risk score for unmatched calls, recording dry-run hits', async () => {
    const { v, records } = setup();
    expect(await v.validate(req('Other', { risk: 0.1 }))).toMatchObject({ decision: 'allow', tier: 'risk' });
    expect(await v.validate(req('Other', { risk: 0.9 }))).toMatchObject({ decision: 'block', tier: 'risk' });
    expect(records[0]?.observed.map((o) => o.ruleId)).toEqual(['trial']);
    expect(records[1]?.risk).toEqual({ score: 0.9, reasons: ['test'] });
  });

  it('escalates rule escalations and medium risk to an expert, never caching the answer', async () => {
    const { v, escalations } = setup();
    expect(await v.validate(req('Sudo'))).toMatchObject({
      decision: 'allow',
      tier: 'escalation',
      reason: 'expert says fine',
    });
    expect(await v.validate(req('Sudo'))).toMatchObject({ tier: 'escalation' });
    expect(await v.validate(req('Other', { risk: 0.5 }))).toMatchObject({ tier: 'escalation' });
    expect(escalations.map((e) => e.category)).toEqual(['test', 'test', 'risk']);
  });

  it('reports escalation timeouts as block with reason escalation_timeout', async () => {
    const { v } = setup({
      escalate: async () => ({ decision: 'block', reason: 'x', expertId: null, timedOut: true }),
    });
    expect(await v.validate(req('Sudo'))).toMatchObject({ decision: 'block', reason: 'escalation_timeout' });
  });

  it('blocks with internal_error when any tier throws', async () => {
    const { v, records } = setup({
      evaluate: () => {
        throw new Error('boom');
      },
    });
    expect(await v.validate(req('Read'))).toMatchObject({
      decision: 'block',
      reason: 'internal_error',
      tier: 'error',
    });
    expect(records).toHaveLength(1);
  });

  it('blocks with internal_error when the decision cannot be recorded, even a cached allow', async () => {
    let fail = false;
    const { v } = setup({
      record: async () => {
        if (fail) throw new Error('store down');
      },
    });
    expect(await v.validate(req('Read'))).toMatchObject({ decision: 'allow' });
    fail = true;
    expect(await v.validate(req('Read'))).toMatchObject({ decision: 'block', reason: 'internal_error' });
  });

  it('lets a refusal (rate limit) through as an error instead of a decision', async () => {
    const { v, records } = setup({
      admitEscalation: () => {
        throw new ValidationRefusal(429, 'rate_limited', 'slow down', 7);
      },
    });
    await expect(v.validate(req('Sudo'))).rejects.toMatchObject({ status: 429, retryAfterSeconds: 7 });
    expect(records).toHaveLength(0);
  });
});

describe('Validator.dryRun', () => {
  it('says what would be decided, without caching, escalating or recording', async () => {
    const { v, records, escalations } = setup();
    expect(v.dryRun({ tool: 'Nuke', input: {} })).toMatchObject({
      decision: 'block',
      tier: 'policy',
      ruleId: 'nuke',
    });
    expect(v.dryRun({ tool: 'Sudo', input: {} })).toMatchObject({ decision: 'escalate', tier: 'policy' });
    expect(v.dryRun({ tool: 'Other', input: { risk: 0.5 } })).toMatchObject({
      decision: 'escalate',
      tier: 'risk',
      risk: { score: 0.5 },
      observed: [{ ruleId: 'trial', enforcement: 'dryrun' }],
    });
    expect(records).toEqual([]);
    expect(escalations).toEqual([]);
    // nothing was cached: the first real validation is decided by the policy tier
    expect(await v.validate(req('Nuke'))).toMatchObject({ tier: 'policy' });
  });
});

describe('feature flag "heuristics"', () => {
  it('sends calls no rule decides to an expert unscored when off, and keeps the two answers apart in the cache', async () => {
    let on = false;
    const { v, escalations } = setup({ heuristics: () => on });
    const off = await v.validate(req('Other', { risk: 0.1 }));
    expect(off).toMatchObject({ decision: 'allow', tier: 'escalation' });
    expect(escalations[0]?.reason).toMatch(/heuristics are disabled/);
    on = true;
    expect(await v.validate(req('Other', { risk: 0.1 }))).toMatchObject({ decision: 'allow', tier: 'risk' });
    expect(escalations).toHaveLength(1);
    // rules still decide with heuristics off
    on = false;
    expect(await v.validate(req('Nuke'))).toMatchObject({ decision: 'block', tier: 'policy' });
  });
});

describe('enforcement modes', () => {
  const policyWith = (enforcement: string) =>
    parsePolicy(`
rules:
  - { id: no-echo, priority: 80, action: block, enforcement: ${enforcement}, match: { tool: Bash, command: { program: [echo] } } }
  - { id: allow-bash, priority: 10, action: allow, match: { tool: Bash } }
`);
  const echo = { agentId: 'a', call: { tool: 'Bash', input: { command: 'echo hi' } } };

  /** A real winston logger whose JSON lines land in `lines`. */
  function capturingLogger() {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info');
    logger.clear().add(
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _enc, done) {
            lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
            done();
          },
        }),
      }),
    );
    return { logger, lines };
  }

  it.each([
    ['enforce', 'block', [], []],
    ['warn', 'allow', [{ ruleId: 'no-echo', decision: 'block', reason: 'no-echo: echo hi' }], ['no-echo']],
    ['dryrun', 'allow', [], []],
  ])(
    '%s mode: the call is %s; warnings told and logged accordingly',
    async (mode, decision, warnings, logged) => {
      const { logger, lines } = capturingLogger();
      const { v, records, setPolicy } = setup({ evaluate: evaluatePolicy, logger });
      setPolicy(policyWith(mode));
      const result = await v.validate(echo);
      expect(result).toMatchObject({ decision, warnings });
      const warned = lines.filter((l) => l.level === 'warn');
      expect(warned.flatMap((l) => (l.warnings as { ruleId: string }[]).map((w) => w.ruleId))).toEqual(
        logged,
      );
      expect(warned.every((l) => l.decisionId === result.decisionId)).toBe(true);
      // warn and dryrun hits are in the decision record either way
      expect(records[0]?.observed.map((h) => [h.ruleId, h.enforcement])).toEqual(
        mode === 'enforce' ? [] : [['no-echo', mode]],
      );
      expect(v.dryRun(echo.call)).toMatchObject({ decision, warnings });
    },
  );

  it('answers a warned call from the rules every time, so the warning is never lost to the cache', async () => {
    const { v, setPolicy } = setup({ evaluate: evaluatePolicy });
    setPolicy(policyWith('warn'));
    const ls = { agentId: 'a', call: { tool: 'Bash', input: { command: 'ls' } } };
    for (let i = 0; i < 2; i++) {
      expect(await v.validate(echo)).toMatchObject({ tier: 'policy', warnings: [{ ruleId: 'no-echo' }] });
    }
    expect(await v.validate(ls)).toMatchObject({ tier: 'policy', warnings: [] });
    expect(await v.validate(ls)).toMatchObject({ tier: 'cache', warnings: [] });
  });
});

describe('resolved paths', () => {
  it('keeps calls with different real paths apart in the cache and records the real paths', async () => {
    const { v, records, setPolicy } = setup({ evaluate: evaluatePolicy });
    setPolicy(
      parsePolicy(`
rules:
  - { id: system-write, priority: 90, action: block, match: { tool: Write, path: { patterns: [/etc/**] } } }
  - { id: writes, priority: 10, action: allow, match: { tool: Write } }
`),
    );
    const call = { tool: 'Write', input: { file_path: 'link/passwd' }, cwd: '/p' };
    expect(await v.validate({ agentId: 'a', call })).toMatchObject({ decision: 'allow' });
    const resolvedPaths = { 'link/passwd': '/etc/passwd' };
    expect(await v.validate({ agentId: 'a', call: { ...call, resolvedPaths } })).toMatchObject({
      decision: 'block',
      tier: 'policy',
      ruleId: 'system-write',
    });
    expect(await v.validate({ agentId: 'a', call: { ...call, resolvedPaths } })).toMatchObject({
      decision: 'block',
      tier: 'cache',
    });
    expect(records.map((r) => r.resolvedPaths)).toEqual([null, resolvedPaths, resolvedPaths]);
  });
});
