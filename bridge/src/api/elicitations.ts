// Elicitation API: an agent asks another agent a typed question (MCP's
// restricted schema); the target answers or declines, the requester may
// cancel, and learns the outcome by long poll, SSE or a plain GET.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { agentOf } from '../auth/middleware.js';
import { ElicitationError } from '../elicitation/service.js';
import { ELICITATION_STATUSES, type Elicitation, type ElicitationStatus } from '../elicitation/state.js';
import { rateLimit, writeLimit } from '../ratelimit/middleware.js';
import { HttpError } from '../server/errors.js';
import type { BridgeServices } from '../server/services.js';

const MAX_WAIT_SECONDS = 300;
const HEARTBEAT_MS = 15_000;

/** MCP's `elicitation/create` result shape for a resolved elicitation. */
function mcpResult(e: Elicitation) {
  if (e.status === 'accepted') return { action: 'accept', content: e.content };
  if (e.status === 'declined') return { action: 'decline' };
  if (e.status === 'pending') return undefined;
  return { action: 'cancel' };
}

export function elicitationView(e: Elicitation) {
  const { version: _v, ...rest } = e;
  const result = mcpResult(e);
  return result ? { ...rest, result } : rest;
}

const toHttp = (err: unknown) =>
  err instanceof ElicitationError ? new HttpError(err.status, err.code, err.message, err.details) : err;

type Handler = (req: Request, res: Response) => Promise<void> | void;
const handle = (fn: Handler) => async (req: Request, res: Response, next: NextFunction) => {
  try {
    await fn(req, res);
  } catch (err) {
    next(toHttp(err));
  }
};

/** `?wait=<seconds>` of a long poll: 0 (the default) answers at once. */
function waitSeconds(req: Request): number {
  const raw = req.query.wait ?? '0';
  const wait = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(wait >= 0 && wait <= MAX_WAIT_SECONDS)) {
    throw new HttpError(
      400,
      'invalid_request',
      `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
    );
  }
  return wait;
}

function role(req: Request): 'target' | 'requester' {
  const r = req.query.role ?? 'target';
  if (r !== 'target' && r !== 'requester')
    throw new HttpError(400, 'invalid_request', 'role must be target or requester');
  return r;
}

export function elicitationsRouter(s: BridgeServices): Router {
  const r = Router();
  const svc = s.elicitations;

  /**
   * The elicitation once resolved, or as it is after `wait` seconds. Only a response
   * closed before this answers it (the client gone, or the credential revoked, whose
   * error is then already sent) ends the wait early (aborting costs a DOMException).
   */
  async function waitUntilResolved(res: Response, id: string, wait: number): Promise<Elicitation> {
    const abort = new AbortController();
    let answered = false;
    res.on('close', () => {
      if (!answered) abort.abort();
    });
    const e = await svc.wait(id, agentOf(res), wait, abort.signal);
    answered = true;
    return e;
  }

  r.post(
    '/v1/elicitations',
    rateLimit(s.rateLimiter, 'elicitation', (b) => s.metrics.rateLimited.inc({ budget: b })),
    handle(async (req, res) => {
      const wait = waitSeconds(req);
      const created = await svc.create(agentOf(res), (req.body ?? {}) as Record<string, unknown>);
      // MCP's elicitation/create answers with the outcome: `?wait=` does so in the same request.
      const e = wait > 0 ? await waitUntilResolved(res, created.id, wait) : created;
      if (!res.headersSent) res.status(201).json(elicitationView(e));
    }),
  );

  r.get(
    '/v1/elicitations',
    handle((req, res) => {
      const status = req.query.status;
      if (status !== undefined && !ELICITATION_STATUSES.includes(status as ElicitationStatus))
        throw new HttpError(
          400,
          'invalid_request',
          `status must be one of ${ELICITATION_STATUSES.join(', ')}`,
        );
      res.json({
        elicitations: svc
          .list(agentOf(res), role(req), status as ElicitationStatus | undefined)
          .map(elicitationView),
      });
    }),
  );

  // SSE: every change to an elicitation the caller takes part in (in the given role).
  r.get(
    '/v1/elicitations/stream',
    handle((req, res) => {
      const agent = agentOf(res);
      const as = role(req);
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.flushHeaders();
      const send = (e: Elicitation) => {
        if ((as === 'target' ? e.to : e.from) !== agent) return;
        res.write(
          `event: elicitation\nid: ${e.id}.${e.version}\ndata: ${JSON.stringify(elicitationView(e))}\n\n`,
        );
      };
      for (const e of svc.list(agent, as, 'pending')) send(e);
      const stop = svc.watch(agent, send);
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      res.on('close', () => {
        clearInterval(heartbeat);
        stop();
      });
    }),
  );

  r.get(
    '/v1/elicitations/:id',
    handle(async (req, res) => {
      const e = await waitUntilResolved(res, String(req.params.id), waitSeconds(req));
      if (!res.headersSent) res.json(elicitationView(e));
    }),
  );

  // An answer's content may be a whole body, kept by every replica: it is a write like a file's.
  r.post(
    '/v1/elicitations/:id/accept',
    writeLimit(s.rateLimiter, (b) => s.metrics.rateLimited.inc({ budget: b })),
    handle(async (req, res) => {
      const content = (req.body as { content?: unknown } | undefined)?.content;
      const e = await svc.command(String(req.params.id), { kind: 'accept', actor: agentOf(res), content });
      res.json(elicitationView(e));
    }),
  );
  r.post(
    '/v1/elicitations/:id/decline',
    handle(async (req, res) => {
      res.json(
        elicitationView(await svc.command(String(req.params.id), { kind: 'decline', actor: agentOf(res) })),
      );
    }),
  );
  r.post(
    '/v1/elicitations/:id/cancel',
    handle(async (req, res) => {
      res.json(
        elicitationView(await svc.command(String(req.params.id), { kind: 'cancel', actor: agentOf(res) })),
      );
    }),
  );
  return r;
}
