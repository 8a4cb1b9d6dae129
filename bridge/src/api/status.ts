// GET /v1/status: a JSON summary for operators and `lighthouse status`.
import { Router } from 'express';
import type { BridgeServices } from '../server/services.js';

export function statusRouter(s: BridgeServices): Router {
  const r = Router();
  r.get('/v1/status', async (_req, res) => {
    res.json({
      version: s.version,
      replica: s.replicaId,
      uptimeSeconds: Math.round((Date.now() - s.startedAt.getTime()) / 1000),
      store: { driver: s.store.db.driver, ready: await s.ready() },
      policy: { revision: s.policy.current.revision, rules: s.policy.current.rules.length },
      cache: {
        entries: s.cache.size,
        hits: s.cache.hits,
        misses: s.cache.misses,
        hitRatio: s.cache.hitRatio,
      },
      experts: { connected: s.experts.connectedCount(), registered: s.experts.all().length },
      escalations: { pending: s.escalations.pendingCount },
      revokedAgents: s.revocations.size,
    });
  });
  return r;
}
