// Admin operations on agent identities.
import { Router } from 'express';
import { ADMIN_AGENT, isValidAgentId } from '../auth/credentials.js';
import { agentOf, isAdmin } from '../auth/middleware.js';
import { HttpError } from '../server/errors.js';
import type { BridgeServices } from '../server/services.js';

export function agentsRouter(s: BridgeServices): Router {
  const r = Router();
  r.post('/v1/agents/:id/revoke', async (req, res) => {
    if (!isAdmin(res))
      throw new HttpError(403, 'admin_only', 'revoking credentials needs the admin credential');
    const id = String(req.params.id);
    if (!isValidAgentId(id)) throw new HttpError(400, 'invalid_request', 'not a valid agent id');
    if (id === ADMIN_AGENT)
      throw new HttpError(
        400,
        'invalid_request',
        'the admin credential is revoked by rotating the master key',
      );
    // Its expert grant first: an answer it sent before is then recorded before the revocation, or refused.
    await s.escalations.endGrantOf(id, agentOf(res));
    await s.revocations.revoke(id, agentOf(res));
    s.logger.info('agent revoked', { agentId: id });
    res.json({ agentId: id, revoked: true });
  });
  return r;
}
