// Experts: the administrator grants an agent the categories it may decide; the
// agent registers within its grant, receives escalations by SSE or long poll,
// and answers them.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { isValidAgentId } from '../auth/credentials.js';
import { agentOf, isAdmin } from '../auth/middleware.js';
import type { Escalation } from '../escalation/broker.js';
import { rateLimit } from '../ratelimit/middleware.js';
import { HttpError } from '../server/errors.js';
import type { BridgeServices } from '../server/services.js';

const MAX_WAIT_SECONDS = 60;
const HEARTBEAT_MS = 15_000;

function view(e: Escalation) {
  return {
    id: e.id,
    agentId: e.agentId,
    sessionId: e.sessionId ?? null,
    tool: e.call.tool,
    input: e.call.input,
    cwd: e.call.cwd ?? null,
    reason: e.reason,
    ruleId: e.ruleId,
    category: e.category,
    routedTo: e.routedTo,
    createdAt: e.createdAt,
    deadline: e.deadline,
  };
}

export function expertsRouter(s: BridgeServices): Router {
  const r = Router();
  const limited = rateLimit(s.rateLimiter, 'escalations', (b) => s.metrics.rateLimited.inc({ budget: b }));

  const registered = async (res: Response): Promise<string> => {
    const id = agentOf(res);
    await s.escalations.requireExpert(id);
    return id;
  };

  // Before the body check: whoever is not the administrator learns nothing but that.
  const adminOnly = (_req: Request, res: Response, next: NextFunction) => {
    if (!isAdmin(res))
      throw new HttpError(
        403,
        'admin_only',
        'listing and granting expert capabilities needs the admin credential',
      );
    next();
  };
  const grantee = (req: Request): string => {
    const id = String(req.params.id);
    if (!isValidAgentId(id)) throw new HttpError(400, 'invalid_request', 'not a valid agent id');
    return id;
  };

  r.get('/v1/experts', adminOnly, (_req, res) => {
    const experts = s.experts
      .ids()
      .sort()
      .map((id) => s.experts.get(id)!)
      .map((e) => ({
        expertId: e.id,
        granted: e.granted,
        registered: e.registered,
        capabilities: e.capabilities,
        connected: e.replicas.size > 0,
      }));
    res.json({ experts });
  });

  r.put('/v1/experts/:id/grant', adminOnly, s.requests.body('grantExpert'), async (req, res) => {
    const id = grantee(req);
    const capabilities = [...new Set((req.body as { capabilities: string[] }).capabilities)].sort();
    await s.escalations.grantExpert(id, capabilities, agentOf(res));
    s.logger.info('expert granted', { agentId: id, capabilities });
    res.json({ expertId: id, capabilities });
  });

  r.delete('/v1/experts/:id/grant', adminOnly, async (req, res) => {
    const id = grantee(req);
    await s.escalations.revokeGrant(id, agentOf(res));
    s.logger.info('expert grant revoked', { agentId: id });
    res.json({ expertId: id, granted: false });
  });

  r.post('/v1/experts', s.requests.body('registerExpert'), async (req, res) => {
    const id = agentOf(res);
    const body = req.body as { capabilities: string[] };
    const capabilities = [...new Set(body.capabilities)].sort();
    await s.escalations.registerExpert(id, capabilities);
    res.status(201).json({ expertId: id, capabilities });
  });

  r.get('/v1/escalations', async (req, res) => {
    const id = await registered(res);
    const raw = req.query.wait;
    const wait = raw === undefined ? 0 : Number(raw);
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) {
      throw new HttpError(
        400,
        'invalid_request',
        `wait must be an integer between 0 and ${MAX_WAIT_SECONDS}`,
      );
    }
    const now = s.escalations.pendingFor(id);
    if (now.length > 0 || wait === 0) {
      res.json({ escalations: now.map(view) });
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        disconnect();
        res.off('close', done);
        resolve();
      };
      const wake = () => setImmediate(done);
      const disconnect = s.escalations.connect(id, wake, wake);
      const timer = setTimeout(done, wait * 1000);
      res.on('close', done);
    });
    if (res.writableEnded || res.destroyed) return;
    // A grant withdrawn while it waited: 403 not_granted, not an empty answer.
    await registered(res);
    res.json({ escalations: s.escalations.pendingFor(id).map(view) });
  });

  r.get('/v1/escalations/stream', async (_req, res) => {
    const id = await registered(res);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const send = (e: Escalation) =>
      res.write(`event: escalation\nid: ${e.id}\ndata: ${JSON.stringify(view(e))}\n\n`);
    for (const e of s.escalations.pendingFor(id)) send(e);
    // A withdrawn grant ends the stream; reconnecting is then 403 not_granted.
    const disconnect = s.escalations.connect(id, send, () => res.end());
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    res.on('close', () => {
      clearInterval(heartbeat);
      disconnect();
    });
  });

  r.post('/v1/escalations/:id/decision', limited, s.requests.body('decideEscalation'), async (req, res) => {
    const expertId = await registered(res);
    const body = req.body as { decision: 'allow' | 'block'; reason?: string };
    await s.escalations.decide(expertId, String(req.params.id), body.decision, body.reason ?? '');
    res.json({ id: req.params.id, decision: body.decision, expertId });
  });

  return r;
}
