// `lighthouse mcp`: the bridge's collaboration features as MCP tools and
// resources, served over stdio beside an agent and calling the bridge with
// that agent's signed credential. Every failure is a tool error the model can
// read (the bridge's code and message, or why the bridge could not be
// reached), never a crash of the server.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { BridgeClient, BridgeResponse } from '../client/bridge-client.js';

export const MCP_SERVER_NAME = 'lighthouse';

/** A bridge answer that is not the expected status, carried to the tool result. */
class BridgeError extends Error {
  constructor(res: BridgeResponse) {
    const err = (res.body as { error?: { code?: string; message?: string } } | null)?.error;
    super(`bridge answered ${res.status} ${err?.code ?? ''}: ${err?.message ?? String(res.body)}`);
  }
}

function ok<T>(res: BridgeResponse, ...statuses: number[]): T {
  if (!(statuses.length ? statuses : [200]).includes(res.status)) throw new BridgeError(res);
  return res.body as T;
}

const json = (value: unknown): CallToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
  structuredContent: value as Record<string, unknown>,
});

/** What went wrong, for the model to read: the bridge's answer, or why it gave none. */
function failure(url: string, err: unknown): string {
  const e = err as Error & { cause?: { code?: string } };
  return e instanceof BridgeError
    ? e.message
    : e.name === 'TimeoutError' || e.name === 'AbortError'
      ? `the bridge at ${url} did not answer in time`
      : e instanceof TypeError
        ? `the bridge at ${url} is unreachable (${e.cause?.code ?? e.message})`
        : `error: ${e.message}`;
}

/** Runs a tool body; any error becomes an `isError` result naming the cause. */
async function tool(url: string, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    return { isError: true, content: [{ type: 'text', text: failure(url, err) }] };
  }
}

/** Reads a resource; any error is an MCP error naming the cause (a resource has no error result). */
async function read<T>(url: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw new Error(failure(url, err));
  }
}

const enc = encodeURIComponent;
const filePath = (p: string) => p.split('/').map(enc).join('/');

interface Elicitation {
  id: string;
  from: string;
  to: string;
  message: string;
  status: string;
  requestedSchema: Record<string, unknown>;
  content?: Record<string, unknown>;
}

export function createMcpServer(client: BridgeClient, bridgeUrl: string, version = '0.1.0'): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version });
  const run = (body: () => Promise<CallToolResult>) => tool(bridgeUrl, body);

  server.registerTool(
    'lighthouse_validate',
    {
      description:
        'Ask whether a planned tool call (a shell command, a file write…) would be allowed, and why. A dry run: nothing is recorded or escalated.',
      inputSchema: {
        tool: z.string().min(1).describe('tool name, e.g. Bash, Write, Edit'),
        input: z.record(z.string(), z.unknown()).describe('the tool input, e.g. {"command": "rm -rf build"}'),
        cwd: z.string().optional().describe('working directory the call would run in'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) => run(async () => json(ok(await client.post('/v1/validate/dry-run', args)))),
  );

  server.registerTool(
    'lighthouse_escalations',
    {
      description:
        'For expert agents: the escalations routed to you. Give capabilities (rule categories, `*` for all) to register as an expert first, within what an administrator granted you (`lighthouse expert grant`); waitSeconds long-polls for new ones.',
      inputSchema: {
        capabilities: z.array(z.string()).min(1).optional(),
        waitSeconds: z.number().int().min(0).max(60).default(0),
      },
    },
    ({ capabilities, waitSeconds }) =>
      run(async () => {
        if (capabilities) ok(await client.post('/v1/experts', { capabilities }), 201);
        return json(ok(await client.get(`/v1/escalations?wait=${waitSeconds}`)));
      }),
  );

  server.registerTool(
    'lighthouse_decide',
    {
      description:
        'For expert agents: answer an escalation routed to you; the waiting agent is unblocked at once.',
      inputSchema: {
        id: z.string().uuid(),
        decision: z.enum(['allow', 'block']),
        reason: z.string().max(2000).optional(),
      },
    },
    ({ id, decision, reason }) =>
      run(async () =>
        json(
          ok(await client.post(`/v1/escalations/${enc(id)}/decision`, { decision, reason: reason ?? '' })),
        ),
      ),
  );

  server.registerTool(
    'lighthouse_elicit',
    {
      description:
        'Ask another agent a typed question. requestedSchema is a flat JSON Schema object (string, number, integer, boolean and enum properties) as in MCP elicitation. waitSeconds waits for the answer.',
      inputSchema: {
        to: z.string().min(1).describe('the agent id to ask'),
        message: z.string().min(1),
        requestedSchema: z.record(z.string(), z.unknown()),
        timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
        waitSeconds: z.number().int().min(0).max(300).default(0),
      },
    },
    ({ waitSeconds, ...body }) =>
      run(async () => {
        return json(ok<Elicitation>(await client.post(`/v1/elicitations?wait=${waitSeconds}`, body), 201));
      }),
  );

  server.registerTool(
    'lighthouse_elicitations',
    {
      description:
        'Questions addressed to you (role target) or asked by you (role requester). With askHuman, pending questions to you are shown to the person through MCP elicitation (when the client supports it) and their answers sent back.',
      inputSchema: {
        role: z.enum(['target', 'requester']).default('target'),
        status: z.enum(['pending', 'accepted', 'declined', 'cancelled', 'expired']).optional(),
        askHuman: z.boolean().default(false),
      },
    },
    ({ role, status, askHuman }) =>
      run(async () => {
        const q = new URLSearchParams({ role, ...(status ? { status } : {}) });
        const list = ok<{ elicitations: Elicitation[] }>(await client.get(`/v1/elicitations?${q}`));
        if (!askHuman || role !== 'target') return json(list);
        if (!server.server.getClientCapabilities()?.elicitation) {
          throw new Error(
            'askHuman: this MCP client does not support elicitation; answer with lighthouse_answer',
          );
        }
        const answered: Elicitation[] = [];
        for (const e of list.elicitations.filter((x) => x.status === 'pending')) {
          const reply = await server.server.elicitInput({
            message: `${e.from} asks: ${e.message}`,
            requestedSchema: e.requestedSchema as never,
          });
          if (reply.action === 'accept') {
            answered.push(
              ok(await client.post(`/v1/elicitations/${enc(e.id)}/accept`, { content: reply.content })),
            );
          } else if (reply.action === 'decline') {
            answered.push(ok(await client.post(`/v1/elicitations/${enc(e.id)}/decline`, {})));
          }
        }
        return json({ answered });
      }),
  );

  server.registerTool(
    'lighthouse_answer',
    {
      description: 'Answer a question addressed to you: accept with content matching its schema, or decline.',
      inputSchema: {
        id: z.string().min(1),
        action: z.enum(['accept', 'decline']),
        content: z.record(z.string(), z.unknown()).optional(),
      },
    },
    ({ id, action, content }) =>
      run(async () => {
        if (action === 'accept' && content === undefined) throw new Error('content is required to accept');
        const body = action === 'accept' ? { content } : {};
        return json(ok(await client.post(`/v1/elicitations/${enc(id)}/${action}`, body)));
      }),
  );

  server.registerTool(
    'lighthouse_annotate',
    {
      description:
        'Attach a note to a project file for other agents (shown in the FUSE view under /shadows).',
      inputSchema: {
        path: z.string().min(1),
        text: z.string().min(1),
        severity: z.enum(['info', 'warning', 'error']).optional(),
        line: z.number().int().min(1).optional(),
      },
    },
    (args) => run(async () => json(ok(await client.post('/v1/annotations', args), 201))),
  );

  server.registerTool(
    'lighthouse_file_history',
    {
      description: 'Every change of a project file: when, by which agent, what kind.',
      inputSchema: { path: z.string().min(1) },
      annotations: { readOnlyHint: true },
    },
    ({ path }) => run(async () => json(ok(await client.get(`/v1/files/${filePath(path)}/history`)))),
  );

  server.registerTool(
    'lighthouse_context',
    {
      description:
        'A context package (a named set of files plus a note) by id, or the list of packages without one.',
      inputSchema: { id: z.string().min(1).optional() },
      annotations: { readOnlyHint: true },
    },
    ({ id }) => run(async () => json(ok(await client.get(id ? `/v1/contexts/${enc(id)}` : '/v1/contexts')))),
  );

  server.registerTool(
    'lighthouse_status',
    { description: 'The bridge in one line.', inputSchema: {}, annotations: { readOnlyHint: true } },
    () =>
      run(async () => {
        const s = ok<StatusView>(await client.get('/v1/status'));
        return { content: [{ type: 'text', text: statusLine(s, client.agentId) }] };
      }),
  );

  const resource = (uri: URL, path: string, mimeType = 'application/json') =>
    read(bridgeUrl, async () => {
      const res = await client.get(path);
      if (res.status !== 200) throw new BridgeError(res);
      const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body, null, 2);
      return { contents: [{ uri: uri.href, mimeType, text }] };
    });
  server.registerResource(
    'tree',
    'lighthouse://tree',
    { description: 'The project tree now', mimeType: 'application/json' },
    (uri) => resource(uri, '/v1/tree'),
  );
  server.registerResource(
    'tree-at',
    new ResourceTemplate('lighthouse://tree/{at}', { list: undefined }),
    { description: 'The project tree at an ISO-8601 time', mimeType: 'application/json' },
    (uri, { at }) => resource(uri, `/v1/tree?at=${enc(String(at))}`),
  );
  server.registerResource(
    'file',
    new ResourceTemplate('lighthouse://file/{+path}', { list: undefined }),
    { description: 'A project file as it is now', mimeType: 'text/plain' },
    (uri, { path }) => resource(uri, `/v1/files/${filePath(String(path))}`, 'text/plain'),
  );
  server.registerResource(
    'decisions',
    'lighthouse://decisions',
    {
      description: "The decision log: this agent's decisions (an admin's: everyone's), the first 1000",
      mimeType: 'application/json',
    },
    (uri) =>
      read(bridgeUrl, async () => {
        // A query, not a stream read: it leaves out the other agents' decisions instead of
        // refusing them. So a page of the log may hold none of this agent's: the pages are
        // followed until 1000 are found or the log ends (`more` false). (Only an admin may
        // write a decisions… stream, which shares the prefix.)
        const events: { stream: string }[] = [];
        let after = '';
        for (;;) {
          const res = await client.get<{ events: { stream: string }[]; checkpoint: string; more?: boolean }>(
            `/v1/events?streamPrefix=decisions&limit=1000${after ? `&after=${after}` : ''}`,
          );
          if (res.status !== 200) throw new BridgeError(res);
          for (const e of res.body.events)
            if (e.stream === 'decisions' && events.length < 1000) events.push(e);
          if (events.length >= 1000 || res.body.more !== true) break;
          after = res.body.checkpoint;
        }
        return {
          contents: [
            { uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ events }, null, 2) },
          ],
        };
      }),
  );
  return server;
}

interface StatusView {
  version: string;
  uptimeSeconds: number;
  store: { driver: string; ready: boolean };
  policy: { revision: string; rules: number };
  cache: { hitRatio: number };
  experts: { connected: number };
  escalations: { pending: number };
}

export function statusLine(s: StatusView, agentId: string): string {
  return (
    `bridge ${s.version} ${s.store.ready ? 'ready' : 'NOT READY'} (${s.store.driver}), up ${s.uptimeSeconds}s, ` +
    `policy ${s.policy.revision} (${s.policy.rules} rules), cache hit ratio ${(s.cache.hitRatio * 100).toFixed(0)}%, ` +
    `${s.experts.connected} experts connected, ${s.escalations.pending} escalations pending; you are ${agentId}`
  );
}
