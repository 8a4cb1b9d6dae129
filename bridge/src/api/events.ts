// The events API: append (with expected version), query, and an SSE stream
// from a checkpoint. Streams the bridge itself writes are reserved: an agent
// cannot forge a decision, a revocation or an expert's answer through it.
import { Router, type Request, type Response } from 'express';
import { agentOf, isAdmin } from '../auth/middleware.js';
import type { Checkpoint, ExpectedVersion, NewEvent, StoredEvent } from '../events/index.js';
import { ownedStream, readableBy } from '../events/visibility.js';
import { writeLimit } from '../ratelimit/middleware.js';
import { HttpError } from '../server/errors.js';
import type { BridgeServices } from '../server/services.js';

const RESERVED = [
  // And every name it begins: a query by the prefix "decisions" is the bridge's decision log,
  // with no look-alike ToolCallDecided events an agent appended to a "decisions-…" stream.
  /^decisions/,
  /^revocations$/,
  /^escalation:/,
  /^expert:/,
  // An agent's tool-call log (the Claude Code hook's PostToolUse reports).
  /^agent:/,
  // Agent collaboration: written only through their own validated endpoints.
  /^flags$/,
  /^elicitation:/,
  /^file:/,
  /^file-sha256:/,
  /^blob:/,
  /^annotations$/,
  /^context:/,
];
const HEARTBEAT_MS = 15_000;

/** What the caller of `res` may read (`events/visibility.ts`); admins read everything. */
function readableFor(res: Response): (e: StoredEvent) => boolean {
  return isAdmin(res) ? () => true : readableBy(agentOf(res));
}

const forbidden = (stream: string) =>
  new HttpError(
    403,
    'forbidden_stream',
    `stream ${stream} holds events this agent may not read; query it with streamPrefix to get those it may`,
  );

export function eventView(e: StoredEvent) {
  return {
    id: e.id,
    stream: e.stream,
    version: e.version,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    position: e.position.toString(),
    checkpoint: formatCheckpoint(e),
    createdAt: e.createdAt.toISOString(),
  };
}

export function formatCheckpoint(c: Checkpoint): string {
  return `${c.txid}.${c.position}`;
}

/** The largest position: the column is a PostgreSQL bigint (a txid, xid8, holds any 19 digits). */
const MAX_POSITION = 2n ** 63n - 1n;

export function parseCheckpoint(raw: unknown, name = 'after'): Checkpoint | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = typeof raw === 'string' ? /^(\d{1,19})\.(\d{1,19})$/.exec(raw) : null;
  const checkpoint = m ? { txid: BigInt(m[1] as string), position: BigInt(m[2] as string) } : undefined;
  if (!checkpoint || checkpoint.position > MAX_POSITION)
    throw new HttpError(400, 'invalid_request', `${name} must be a checkpoint <txid>.<position>`);
  return checkpoint;
}

function stringParam(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, 'invalid_request', `${name} must be given once`);
  // PostgreSQL text cannot hold a NUL: the query would fail (a 500, or a stream retrying forever).
  if (v.includes('\u0000')) throw new HttpError(400, 'invalid_request', `${name} must not contain NUL`);
  return v;
}

function intParam(req: Request, name: string, min: number, max: number): number | undefined {
  const v = stringParam(req, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) {
    throw new HttpError(400, 'invalid_request', `${name} must be an integer between ${min} and ${max}`);
  }
  return n;
}

/**
 * An ISO-8601 time in years 1-9999: PostgreSQL reads no other year of the form
 * toISOString gives (`+099999-…`, `0000-…`), and Date alone would take `1` as 2001.
 */
function dateParam(req: Request, name: string): Date | undefined {
  const v = stringParam(req, name);
  if (v === undefined) return undefined;
  const d = /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : new Date(NaN);
  const year = d.getUTCFullYear();
  if (!(year >= 1 && year <= 9999))
    throw new HttpError(400, 'invalid_request', `${name} must be an ISO-8601 time in years 1-9999`);
  return d;
}

function typesParam(req: Request): string[] | undefined {
  const v = stringParam(req, 'types');
  return v ? v.split(',').filter(Boolean) : undefined;
}

export function eventsRouter(s: BridgeServices): Router {
  const r = Router();

  const limited = writeLimit(s.rateLimiter, (b) => s.metrics.rateLimited.inc({ budget: b }));
  r.post('/v1/events', limited, s.requests.body('appendEvents'), async (req, res) => {
    const agentId = agentOf(res);
    const body = req.body as { stream: string; expectedVersion?: ExpectedVersion; events: NewEvent[] };
    if (!isAdmin(res) && RESERVED.some((re) => re.test(body.stream))) {
      throw new HttpError(403, 'reserved_stream', `stream ${body.stream} is written by the bridge only`);
    }
    const events = body.events.map((e) => ({ ...e, metadata: { ...e.metadata, agentId } }));
    const opts = body.expectedVersion === undefined ? {} : { expectedVersion: body.expectedVersion };
    const result = await s.store.append(body.stream, events, opts);
    res
      .status(201)
      .json({ stream: result.stream, version: result.version, positions: result.positions.map(String) });
  });

  r.get('/v1/events', async (req, res) => {
    const stream = stringParam(req, 'stream');
    const limit = intParam(req, 'limit', 1, 1000) ?? 100;
    if (stream !== undefined) {
      const fromVersion = intParam(req, 'fromVersion', 1, Number.MAX_SAFE_INTEGER);
      if (!isAdmin(res) && ownedStream(stream, agentOf(res)) === false) throw forbidden(stream);
      const events = await s.store.readStream(stream, { limit, ...(fromVersion ? { fromVersion } : {}) });
      if (!events.every(readableFor(res))) throw forbidden(stream);
      res.json({ events: events.map(eventView) });
      return;
    }
    const after = parseCheckpoint(stringParam(req, 'after'));
    const types = typesParam(req);
    const streamPrefix = stringParam(req, 'streamPrefix');
    const from = dateParam(req, 'from');
    const to = dateParam(req, 'to');
    const page = await s.store.readAll({
      limit,
      ...(after ? { after } : {}),
      ...(types ? { types } : {}),
      ...(streamPrefix ? { streamPrefix } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      // Events the agent may not read are left out by the query, so the checkpoint never
      // stops on one; a page may end short of `limit` with `more` (see visibilityScan).
      ...(isAdmin(res) ? {} : { readableBy: agentOf(res) }),
    });
    res.json({
      events: page.events.map(eventView),
      checkpoint: formatCheckpoint(page.checkpoint),
      more: page.more,
    });
  });

  r.get('/v1/events/stream', (req, res) => {
    const resumed = req.get('last-event-id');
    const after =
      resumed === undefined
        ? parseCheckpoint(stringParam(req, 'after'))
        : parseCheckpoint(resumed, 'Last-Event-ID');
    const types = typesParam(req);
    const streamPrefix = stringParam(req, 'streamPrefix');
    const readable = readableFor(res);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const sub = s.store.subscribe(
      {
        from: after ?? 'end',
        ...(types ? { types } : {}),
        ...(streamPrefix ? { streamPrefix } : {}),
        onError: (err) => s.logger.warn('event stream subscription error', { err }),
      },
      async (e) => {
        if (!readable(e)) return;
        if (
          res.write(`event: ${e.type}\nid: ${formatCheckpoint(e)}\ndata: ${JSON.stringify(eventView(e))}\n\n`)
        )
          return;
        // A reader slower than the store: the subscription waits for it (it awaits this
        // handler) instead of the bridge buffering the rest of the store in memory.
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      },
    );
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    res.on('close', () => {
      clearInterval(heartbeat);
      void sub.close();
    });
  });

  return r;
}
