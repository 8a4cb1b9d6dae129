// Project-state API: agents report file changes; experts, the FUSE sidecar and
// the MCP server read the tree now or at any past time, per-file history,
// annotations and context packages.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { agentOf } from '../auth/middleware.js';
import { normalisePath, InvalidPathError } from '../project/path.js';
import { parseAt, ProjectError } from '../project/service.js';
import { writeLimit } from '../ratelimit/middleware.js';
import { HttpError } from '../server/errors.js';
import type { BridgeServices } from '../server/services.js';

const toHttp = (err: unknown) =>
  err instanceof ProjectError
    ? new HttpError(err.status, err.code, err.message)
    : err instanceof InvalidPathError
      ? new HttpError(400, 'invalid_path', err.message)
      : err;

type Handler = (req: Request, res: Response) => Promise<void> | void;
const handle = (fn: Handler) => async (req: Request, res: Response, next: NextFunction) => {
  try {
    await fn(req, res);
  } catch (err) {
    next(toHttp(err));
  }
};

function one(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, 'invalid_request', `${name} must be given once`);
  return v;
}

export function projectRouter(s: BridgeServices): Router {
  const r = Router();
  const svc = s.project;
  const view = svc.projection;
  const limited = writeLimit(s.rateLimiter, (b) => s.metrics.rateLimited.inc({ budget: b }));

  r.post(
    '/v1/files',
    limited,
    handle(async (req, res) => {
      res.status(201).json(await svc.writeFile(agentOf(res), (req.body ?? {}) as Record<string, unknown>));
    }),
  );

  r.get(
    '/v1/tree',
    handle(async (req, res) => {
      const at = parseAt(one(req, 'at'));
      await svc.sync();
      res.json({ at: (at ?? new Date()).toISOString(), files: view.tree(at) });
    }),
  );

  // /v1/files/<path> is the content; /v1/files/<path>/history its history.
  r.get(
    '/v1/files/*path',
    handle(async (req, res) => {
      const segments = (req.params as { path: string[] }).path;
      await svc.sync();
      if (segments.length > 1 && segments.at(-1) === 'history') {
        const p = normalisePath(segments.slice(0, -1).join('/'));
        const changes = view.history(p).map((h) => ({
          version: h.version,
          at: h.at.toISOString(),
          kind: h.kind,
          size: h.size,
          sha256: h.sha256,
          agentId: h.agentId,
          sessionId: h.sessionId,
        }));
        if (changes.length === 0) throw new HttpError(404, 'not_found', `${p} has no history`);
        res.json({ path: p, changes });
        return;
      }
      const p = normalisePath(segments.join('/'));
      const at = parseAt(one(req, 'at'));
      const v = view.fileAt(p, at);
      if (!v)
        throw new HttpError(404, 'not_found', `${p} does not exist${at ? ` at ${at.toISOString()}` : ''}`);
      res.set({
        'content-type': 'application/octet-stream',
        'last-modified': v.at.toUTCString(),
        etag: `"${v.sha256}"`,
        'x-lighthouse-version': String(v.version),
      });
      res.send(await svc.content(p, v));
    }),
  );

  r.get(
    '/v1/history',
    handle((req, res) => {
      const raw = one(req, 'limit') ?? '100';
      const limit = Number(raw);
      if (!/^\d+$/.test(raw) || limit < 1 || limit > 10_000) {
        throw new HttpError(400, 'invalid_request', 'limit must be an integer from 1 to 10000');
      }
      res.json({ points: view.historyPoints(limit) });
    }),
  );

  r.post(
    '/v1/annotations',
    limited,
    handle(async (req, res) => {
      res.status(201).json(await svc.annotate(agentOf(res), (req.body ?? {}) as Record<string, unknown>));
    }),
  );
  r.get(
    '/v1/annotations',
    handle((req, res) => {
      const p = one(req, 'path');
      res.json({ annotations: view.annotations(p === undefined ? undefined : normalisePath(p)) });
    }),
  );

  r.post(
    '/v1/contexts',
    limited,
    handle(async (req, res) => {
      const c = await svc.createContext(agentOf(res), (req.body ?? {}) as Record<string, unknown>);
      res.status(201).json({ id: c.id, name: c.name, createdAt: c.createdAt });
    }),
  );
  r.get(
    '/v1/contexts',
    handle((_req, res) => {
      res.json({ contexts: view.listContexts() });
    }),
  );
  r.get(
    '/v1/contexts/:id',
    handle((req, res) => {
      const c = view.context(String(req.params.id));
      if (!c) throw new HttpError(404, 'not_found', 'no such context');
      res.json({
        id: c.id,
        name: c.name,
        note: c.note,
        agentId: c.agentId,
        createdAt: c.createdAt,
        files: c.resolved,
      });
    }),
  );
  return r;
}
