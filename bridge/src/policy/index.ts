// The policy engine's public surface (the contract in DESIGN.md §4 / issue 6).
export type {
  CommandMatch,
  Decision,
  Enforcement,
  PathMatch,
  PipelineMatch,
  Policy,
  PolicyResult,
  Rule,
  RuleHit,
  RuleMatch,
  ShellProperty,
  ToolCall,
} from './types.js';
export { parsePolicy, PolicyError } from './parse.js';
export { policySchema } from './schema.js';
export { defaultPolicy, DEFAULT_POLICY_YAML } from './default-policy.js';
export { evaluatePolicy } from './evaluate.js';
export { cacheKey } from './cache-key.js';
export { decide, type PolicyDecision } from './decide.js';
