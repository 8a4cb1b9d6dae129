// Everything a router needs, built once per process by server/bridge.ts.
// Routers (bridge/src/api/*.ts) receive this and nothing else.
import type { Authenticator } from '../auth/middleware.js';
import type { RevocationList } from '../auth/revocations.js';
import type { BridgeConfig } from '../config/env.js';
import type { PolicySource } from '../config/policy-source.js';
import type { EscalationBroker } from '../escalation/broker.js';
import type { EventStore } from '../events/index.js';
import type { ExpertRegistry } from '../experts/registry.js';
import type { Logger } from '../logging/logger.js';
import type { BridgeMetrics } from '../metrics/bridge-metrics.js';
import type { RequestValidator } from '../openapi/request-validator.js';
import type { RateLimiter } from '../ratelimit/token-bucket.js';
import type { ElicitationService } from '../elicitation/service.js';
import type { FlagService } from '../flags/service.js';
import type { ProjectService } from '../project/service.js';
import type { DecisionCache } from '../validation/decision-cache.js';
import type { Validator } from '../validation/validator.js';

export interface BridgeServices {
  config: BridgeConfig;
  logger: Logger;
  metrics: BridgeMetrics;
  store: EventStore;
  auth: Authenticator;
  revocations: RevocationList;
  rateLimiter: RateLimiter;
  requests: RequestValidator;
  policy: PolicySource;
  cache: DecisionCache;
  validator: Validator;
  experts: ExpertRegistry;
  escalations: EscalationBroker;
  /** Feature flags (flags.yaml + kill switches); `flags.isEnabled(name, agentId)`. */
  flags: FlagService;
  elicitations: ElicitationService;
  project: ProjectService;
  replicaId: string;
  startedAt: Date;
  version: string;
  /** Store reachable and migrated. */
  ready(): Promise<boolean>;
  /** Revision of the policy.yaml + flags.yaml in force (config/config-revision.ts). */
  configRevision(): string;
}
