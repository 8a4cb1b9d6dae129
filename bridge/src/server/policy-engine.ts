// The production policy engine: bridge/src/policy and bridge/src/risk.
import { cacheKey, defaultPolicy, evaluatePolicy, parsePolicy } from '../policy/index.js';
import { riskDecision, riskScore } from '../risk/index.js';
import type { PolicyEngine } from './bridge.js';

export const policyEngine: PolicyEngine = {
  parsePolicy,
  defaultPolicy,
  evaluatePolicy,
  cacheKey,
  riskScore,
  riskDecision,
};
