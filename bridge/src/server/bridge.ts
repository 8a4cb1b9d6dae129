// Builds a running bridge from its configuration: the store (PostgreSQL or
// PGlite) with migrations, authentication, the policy source, the validator and
// the escalation broker, then the HTTP server. `close()` is the orderly stop
// used on SIGTERM and by tests.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator } from '../auth/middleware.js';
import { NonceStore, nonceMigrations } from '../auth/nonces.js';
import { RevocationList } from '../auth/revocations.js';
import type { BridgeConfig } from '../config/env.js';
import { configRevision } from '../config/config-revision.js';
import { PolicySource } from '../config/policy-source.js';
import { ElicitationMetrics } from '../elicitation/metrics.js';
import { ElicitationService } from '../elicitation/service.js';
import { EscalationBroker } from '../escalation/broker.js';
import { openEventStore, type EventStore } from '../events/index.js';
import { DECISION_STREAM } from '../events/visibility.js';
import { ExpertRegistry } from '../experts/registry.js';
import { FeatureFlags } from '../flags/feature-flags.js';
import { FlagService } from '../flags/service.js';
import type { Logger } from '../logging/logger.js';
import { BridgeMetrics } from '../metrics/bridge-metrics.js';
import { RequestValidator } from '../openapi/request-validator.js';
import { ProjectService } from '../project/service.js';
import type { Decision, Policy, PolicyResult, ToolCall } from '../policy/types.js';
import { SpendingShare } from '../ratelimit/sharing.js';
import { RateLimiter } from '../ratelimit/token-bucket.js';
import { DecisionCache } from '../validation/decision-cache.js';
import { loggedInput } from '../validation/logged-input.js';
import { ValidationRefusal, Validator } from '../validation/validator.js';
import { createApp, endEventStreams } from './app.js';
import { requestMetadata } from './request-context.js';
import type { BridgeServices } from './services.js';

/** The policy engine's functions (bridge/src/policy, bridge/src/risk), passed in so tests can pick the policy. */
export interface PolicyEngine {
  parsePolicy(yamlText: string): Policy;
  defaultPolicy(): Policy;
  evaluatePolicy(policy: Policy, call: ToolCall): PolicyResult;
  cacheKey(call: ToolCall): string;
  riskScore(call: ToolCall): { score: number; reasons: string[] };
  riskDecision(score: number): Decision;
}

export interface BridgeOptions {
  config: BridgeConfig;
  masterKey: Buffer;
  logger: Logger;
  engine: PolicyEngine;
  version?: string;
}

export interface RunningBridge {
  server: Server;
  services: BridgeServices;
  url: string;
  /** Stop accepting, finish in-flight requests (bounded), then stop(). */
  close(): Promise<void>;
  /** Flush the store and close the pool (the server already closed). */
  stop(): Promise<void>;
  /** End open SSE streams (the first step of a graceful stop). */
  endStreams(): void;
}

/** How often a replica tells the others what its agents spent of their rate budgets. */
const SPENDING_SHARE_INTERVAL_MS = 250;

export async function createBridgeServices(
  opts: BridgeOptions,
): Promise<{ services: BridgeServices; stop: () => Promise<void> }> {
  const { config, logger, engine } = opts;
  const metrics = new BridgeMetrics();
  const store: EventStore = await openEventStore({
    ...(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir }),
    migrations: nonceMigrations,
    defaultMetadata: requestMetadata,
    maxEventBytes: config.eventMaxBytes,
    onAppended: (events, seconds) => metrics.appended(events, seconds),
  });
  const stops: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    const nonces = new NonceStore(store.db);
    nonces.startPurging(60_000, (err) => logger.warn('nonce purge failed', { err }));
    stops.unshift(() => nonces.stop());

    const revocations = new RevocationList(store);
    await revocations.start(5_000, (err) => logger.warn('revocation refresh failed', { err }));
    stops.unshift(() => revocations.stop());

    const cache = new DecisionCache(config.cacheMaxEntries, config.cacheTtlMs);
    const policy = new PolicySource({
      configDir: config.configDir,
      parse: engine.parsePolicy,
      fallback: engine.defaultPolicy,
      logger,
      onChange: () => cache.clear(),
    });
    await policy.start();
    stops.unshift(() => policy.stop());

    const replicaId = randomUUID();
    const experts = new ExpertRegistry();
    const escalations = new EscalationBroker({
      store,
      registry: experts,
      replicaId,
      timeoutMs: config.escalationTimeoutMs,
      logger,
      onPendingChange: (n) => metrics.escalationsPending.set(n),
      onExpertsChange: (n) => metrics.expertsConnected.set(n),
    });
    await escalations.start();
    stops.unshift(() => escalations.stop());

    // Agent collaboration: flags (flags.yaml in the config dir, hot-reloaded; kill switches
    // from the store), elicitations and the project-state projection.
    const flagFile = config.configDir ? path.join(config.configDir, 'flags.yaml') : null;
    const flags = new FlagService(new FeatureFlags(flagFile, logger), store);
    flags.flags.watch();
    await flags.start();
    stops.unshift(() => flags.close());
    const elicitations = new ElicitationService(store, {
      metrics: new ElicitationMetrics(metrics.registry),
      enabled: (agentId) => flags.isEnabled('elicitation', agentId),
      maxPendingPerRequester: config.maxPendingElicitationsPerRequester,
      maxPendingPerTarget: config.maxPendingElicitationsPerTarget,
    });
    await elicitations.start();
    stops.unshift(() => elicitations.close());
    const project = new ProjectService(store, config.fileMaxBytes, config.projectMaxBytes);
    await project.start();
    stops.unshift(() => project.close());

    const rateLimiter = new RateLimiter(config.rateLimits);
    const spending = new SpendingShare(store.db, rateLimiter, replicaId, (err) =>
      logger.warn('telling other replicas what agents spent failed', { err }),
    );
    await spending.start(SPENDING_SHARE_INTERVAL_MS);
    stops.unshift(() => spending.stop());
    const auth = new Authenticator({
      master: opts.masterKey,
      nonces,
      revocations,
      onFailure: (reason) => metrics.authFailures.inc({ reason }),
    });

    const validator = new Validator({
      policy: () => policy.current,
      evaluate: engine.evaluatePolicy,
      cacheKey: engine.cacheKey,
      risk: engine.riskScore,
      riskDecision: engine.riskDecision,
      heuristics: (agentId) => flags.isEnabled('heuristics', agentId),
      cache,
      // Feature flag "escalation": when off for an agent, what would wait for an expert is blocked at once.
      escalate: (req) =>
        flags.isEnabled('escalation', req.agentId)
          ? escalations.escalate(req)
          : Promise.resolve({
              decision: 'block' as const,
              reason: 'escalation is disabled for this agent (feature flag "escalation")',
              expertId: null,
              timedOut: false,
            }),
      admitEscalation: (agentId) => {
        const d = rateLimiter.take(agentId, 'escalations');
        if (!d.ok) {
          metrics.rateLimited.inc({ budget: 'escalations' });
          throw new ValidationRefusal(
            429,
            'rate_limited',
            'rate limit for escalations exceeded',
            d.retryAfterSeconds,
          );
        }
      },
      record: async (d) => {
        await store.append(DECISION_STREAM, [
          {
            id: d.decisionId,
            type: 'ToolCallDecided',
            data: { ...d, input: loggedInput(d.input) },
            metadata: { agentId: d.agentId },
          },
        ]);
      },
      logger,
      onDecision: (r) => {
        metrics.validations.inc({ decision: r.decision, tier: r.tier });
        metrics.validationDuration.observe({ tier: r.tier }, r.latencyMs / 1000);
      },
      onCache: (hit) => (hit ? metrics.cacheHits.inc() : metrics.cacheMisses.inc()),
    });

    const services: BridgeServices = {
      config,
      logger,
      metrics,
      store,
      auth,
      revocations,
      rateLimiter,
      requests: new RequestValidator(),
      policy,
      cache,
      validator,
      experts,
      escalations,
      flags,
      elicitations,
      project,
      replicaId,
      startedAt: new Date(),
      version: opts.version ?? '0.1.0',
      ready: () => answersWithin(store.db.query('SELECT 1 FROM auth_nonces LIMIT 1'), READY_TIMEOUT_MS),
      configRevision: () => configRevision({ policy: policy.appliedText, flags: flags.flags.appliedText }),
    };
    const stop = async () => {
      for (const s of stops) {
        try {
          await s();
        } catch (err) {
          logger.warn('stop step failed', { err });
        }
      }
    };
    return { services, stop };
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}

export async function startBridge(opts: BridgeOptions): Promise<RunningBridge> {
  const { services, stop } = await createBridgeServices(opts);
  const app = createApp(services);
  let server: Server;
  try {
    const { requestTimeoutMs } = opts.config;
    // A client that trickles its request (a slow body holds its share of the body budget) is cut off
    // with 408; answering a long poll or SSE stream is not bounded by this.
    const s = createServer(
      {
        requestTimeout: requestTimeoutMs,
        headersTimeout: Math.min(60_000, requestTimeoutMs),
        connectionsCheckingInterval: Math.min(30_000, Math.ceil(requestTimeoutMs / 4)),
      },
      app,
    );
    server = await new Promise<Server>((resolve, reject) => {
      s.once('error', reject);
      s.listen(opts.config.port, opts.config.host, () => {
        s.off('error', reject);
        resolve(s);
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = opts.config.host === '0.0.0.0' ? '127.0.0.1' : opts.config.host;
  let closing: Promise<void> | undefined;
  return {
    server,
    services,
    url: `http://${host}:${port}`,
    stop,
    endStreams: () => endEventStreams(app),
    close: () =>
      (closing ??= (async () => {
        const forced = setTimeout(() => server.closeAllConnections(), opts.config.shutdownTimeoutMs);
        forced.unref();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        endEventStreams(app);
        server.closeIdleConnections();
        await closed;
        clearTimeout(forced);
        await stop();
      })()),
  };
}

/** How long /readyz waits for the store before it answers 503. */
const READY_TIMEOUT_MS = 2_000;

/**
 * Whether `query` succeeds within `ms` (a failure, early or late, is false). A store
 * that does not answer (a frozen server, a pool held by stuck queries) is not ready:
 * the probe gets its 503 instead of waiting.
 */
async function answersWithin(query: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      query.then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
