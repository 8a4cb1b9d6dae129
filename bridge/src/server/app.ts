// The Express app: request ids, body parsing that keeps the raw bytes for
// signatures, public operational routes, then the API routers behind their
// authentication, and one error handler.
import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { bearerRouters, HOOKS_PREFIX, signedRouters } from '../api/index.js';
import { openApiDocument } from '../openapi/document.js';
import { revokedError } from '../auth/errors.js';
import { agentOf } from '../auth/middleware.js';
import { fileBodyLimitBytes } from '../config/env.js';
import { bodyBudget, hasBody } from './body-budget.js';
import { errorHandler, HttpError, notFound, sendError, toHttpError } from './errors.js';
import { runInRequest } from './request-context.js';
import type { BridgeServices } from './services.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createApp(s: BridgeServices): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const open = new Set<Response>();
  app.locals.openResponses = open;
  // A revoked agent's open streams and long polls end at once, on every replica (each hears of it by NOTIFY).
  s.revocations.onRevoked((agentId) => {
    for (const res of open) if (res.locals.agentId === agentId) sendError(res, toHttpError(revokedError()));
  });
  app.use((req, res, next) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const incoming = req.get('x-request-id');
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.set('x-request-id', id);
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      s.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      if (s.logger.isDebugEnabled()) {
        s.logger.debug('request', {
          requestId: id,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          agentId: res.locals.agentId,
          ms: Math.round(performance.now() - started),
        });
      }
    });
    runInRequest(res.locals, next);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ok = await s.ready().catch(() => false);
    // The operator reads configRevision to confirm a hot-reloaded policy or flag change.
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ready' : 'not_ready', configRevision: s.configRevision() });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('content-type', s.metrics.registry.contentType).send(await s.metrics.registry.metrics());
  });
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  // No route takes OPTIONS (the API serves no browser, so no CORS): without this, each
  // router would answer it itself, 200 with its methods as text, not the one error shape.
  app.use((req, res, next) => (req.method === 'OPTIONS' ? notFound(req, res, next) : next()));

  // Every body is JSON; the exact bytes are kept because signatures cover them. Not
  // compressed (415): the body budget counts the bytes a request sends as the ones kept.
  const json = (limit: number) =>
    express.json({
      limit,
      inflate: false,
      type: () => true,
      verify: (req, _res, buf) => {
        (req as Request & { rawBody?: Buffer }).rawBody = buf;
      },
    });
  const bodyLimit = s.config.bodyLimitBytes;
  const fileBodyLimit = fileBodyLimitBytes(s.config);
  // Mounted at /v1 below: req.baseUrl is /v1 as sent (any case), req.path the rest. Matched as
  // Express matches the route: case-insensitively, with or without a trailing slash.
  // A file change, and a tool call, which may write a file (a Write's content): such bodies
  // may be as large as a file (a tool call past the ordinary limit spends writeBytes).
  const carriesFile = (req: Request) =>
    req.method === 'POST' && /^\/(?:files|validate(?:\/dry-run)?|hooks\/claude-code)\/?$/i.test(req.path);
  const body = json(bodyLimit);
  const fileBody = json(fileBodyLimit);

  // Authentication runs before a body is read, as far as it can: the hook's bearer token
  // entirely, a signature's headers and clock (the signature itself covers the body).
  // Mounted by path like the routers below, so Express matches the same paths here as
  // there (case-insensitively: /V1/HOOKS/… is the hook, /V1/VALIDATE a signed route).
  // A path outside /v1 has no route that reads a body: it is answered without reading one.
  const signedHeaders = s.auth.signedHeaders();
  app.use(HOOKS_PREFIX, s.auth.bearer());
  app.use('/v1', (req, res, next) => {
    if (res.locals.agentId === undefined) signedHeaders(req, res, next);
    else next(); // the hook's bearer, verified just above
  });
  // A body is held until its response closes: on an event stream or a long poll, for as
  // long as that lasts. No GET route reads one (and the signature covers it).
  app.use('/v1', (req, _res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && hasBody(req))
      throw new HttpError(400, 'invalid_request', `a ${req.method} request takes no body`);
    next();
  });
  app.use(
    '/v1',
    bodyBudget({
      maxBytes: s.config.maxBufferedBodyBytes,
      limitFor: (req) => (carriesFile(req) ? fileBodyLimit : bodyLimit),
      onReserved: (bytes) => s.metrics.bodyBytesReserved.set(bytes),
      onRefused: () => s.metrics.overloaded.inc(),
    }),
  );
  app.use('/v1', (req, res, next) => (carriesFile(req) ? fileBody : body)(req, res, next));

  for (const make of bearerRouters) app.use(make(s));
  app.use(HOOKS_PREFIX, notFound);
  app.use('/v1', s.auth.signed());
  // The identity is the verified one: a body naming another agent is refused, on every route.
  app.use('/v1', (req, res, next) => {
    const named = (req.body as { agentId?: unknown } | undefined)?.agentId;
    if (typeof named === 'string' && named !== agentOf(res))
      throw new HttpError(403, 'agent_mismatch', 'agentId in the body is not the authenticated agent');
    next();
  });
  for (const make of signedRouters) app.use(make(s));

  app.use(notFound);
  app.use(errorHandler(s.logger));
  return app;
}

/**
 * Ends the app's open event streams (SSE), so a graceful stop does not wait for
 * the shutdown timeout on connections that never finish by themselves.
 */
export function endEventStreams(app: Express): void {
  for (const res of app.locals.openResponses as Set<Response>) {
    if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) res.end();
  }
}
