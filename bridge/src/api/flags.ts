// Feature flags: anyone may read the flag set and what it means for them; only
// the administrator may pull or release a kill switch.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { agentOf, isAdmin } from '../auth/middleware.js';
import { HttpError } from '../server/errors.js';
import type { BridgeServices } from '../server/services.js';

const FLAG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

type Handler = (req: Request, res: Response) => Promise<void> | void;
const handle = (fn: Handler) => async (req: Request, res: Response, next: NextFunction) => {
  try {
    await fn(req, res);
  } catch (err) {
    next(err);
  }
};

export function flagsRouter(s: BridgeServices): Router {
  const r = Router();

  r.get(
    '/v1/flags',
    handle((_req, res) => {
      const agent = agentOf(res);
      const status = s.flags.flags.status();
      const enabled = Object.fromEntries(
        Object.keys(status.flags).map((f) => [f, s.flags.isEnabled(f, agent)]),
      );
      res.json({ ...status, enabled });
    }),
  );

  const admin = (action: 'kill' | 'restore') =>
    handle(async (req, res) => {
      if (!isAdmin(res))
        throw new HttpError(403, 'forbidden', 'only the administrator may change kill switches');
      const flag = String(req.params.flag);
      if (!FLAG.test(flag)) throw new HttpError(400, 'invalid_request', 'invalid flag name');
      const reason = (req.body as { reason?: unknown } | undefined)?.reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1000)) {
        throw new HttpError(400, 'invalid_request', 'reason must be a string of at most 1000 characters');
      }
      if (action === 'kill') await s.flags.kill(flag, agentOf(res), reason);
      else await s.flags.restore(flag, agentOf(res));
      res.json({ flag, killed: action === 'kill' });
    });
  r.post('/v1/admin/flags/:flag/kill', admin('kill'));
  r.post('/v1/admin/flags/:flag/restore', admin('restore'));
  return r;
}
