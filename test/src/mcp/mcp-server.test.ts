// `lighthouse mcp` as agents run it: a child process on stdio, driven by the
// MCP SDK's own client, talking to a real bridge (PostgreSQL store).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, freePort, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { scratchDir } from '@lighthouse/bridge/testing/scratch-dir.js';
import { grantExpert, startTestBridge, type TestBridge } from '../bridge/harness.js';

const cli = fileURLToPath(new URL('../../../bridge/bin/lighthouse.js', import.meta.url));

let db: TestDatabase;
let bridge: TestBridge;
const clients: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startTestBridge({ databaseUrl: db.url }, { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: '20000' });
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await bridge?.close();
  await db?.drop();
});

/** An MCP client connected to its own `lighthouse mcp` process, as agent `agentId`. */
async function mcpAs(agentId: string, opts: { url?: string; elicitation?: boolean } = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, 'mcp'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: scratchDir('mcp-home-'),
      LIGHTHOUSE_URL: opts.url ?? bridge.url,
      LIGHTHOUSE_CREDENTIAL: bridge.credential(agentId),
    },
    stderr: 'pipe',
  });
  const client = new Client(
    { name: 'test', version: '1' },
    { capabilities: opts.elicitation ? { elicitation: {} } : {} },
  );
  await client.connect(transport);
  clients.push(client);
  return client;
}

const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;
const data = <T = Record<string, unknown>>(r: unknown) => JSON.parse(text(r)) as T;

describe('lighthouse mcp', () => {
  let alice: Client;
  beforeAll(async () => {
    alice = await mcpAs('alice');
  });

  it('lists every tool with an input schema', async () => {
    const { tools } = await alice.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'lighthouse_annotate',
        'lighthouse_answer',
        'lighthouse_context',
        'lighthouse_decide',
        'lighthouse_elicit',
        'lighthouse_elicitations',
        'lighthouse_escalations',
        'lighthouse_file_history',
        'lighthouse_status',
        'lighthouse_validate',
      ].sort(),
    );
    for (const t of tools) expect(t.inputSchema.type).toBe('object');
  });

  it('lighthouse_validate answers as a dry run and records nothing', async () => {
    const blocked = await alice.callTool({
      name: 'lighthouse_validate',
      arguments: { tool: 'Bash', input: { command: 'rm -rf /' } },
    });
    expect(blocked.isError).toBeFalsy();
    expect(data(blocked)).toMatchObject({ decision: 'block', tier: 'policy' });
    const allowed = await alice.callTool({
      name: 'lighthouse_validate',
      arguments: { tool: 'Read', input: { file_path: 'src/a.ts' }, cwd: '/home/u/p' },
    });
    expect(data(allowed)).toMatchObject({ decision: 'allow' });
    const log = await bridge.admin().get<{ events: unknown[] }>('/v1/events?stream=decisions');
    expect(log.body.events).toEqual([]);
  });

  it('bad arguments are a tool error naming the field, and the server keeps serving', async () => {
    const r = await alice.callTool({
      name: 'lighthouse_decide',
      arguments: { id: 'nope', decision: 'maybe' },
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/decision/);
    expect(text(r)).toMatch(/id/);
    const bridgeError = await alice.callTool({
      name: 'lighthouse_elicit',
      arguments: {
        to: 'bob',
        message: 'x',
        requestedSchema: { type: 'object', properties: { a: { type: 'array' } } },
      },
    });
    expect(bridgeError.isError).toBe(true);
    expect(text(bridgeError)).toMatch(/^bridge answered 400/);
    expect((await alice.callTool({ name: 'lighthouse_status', arguments: {} })).isError).toBeFalsy();
  });

  it('reads and annotates project state, and serves it as resources', async () => {
    expect(
      (await bridge.client('alice').post('/v1/files', { path: 'src/a.ts', content: 'export {};\n' })).status,
    ).toBe(201);
    const note = await alice.callTool({
      name: 'lighthouse_annotate',
      arguments: { path: 'src/a.ts', text: 'empty module', severity: 'warning', line: 1 },
    });
    expect(data(note)).toMatchObject({ path: 'src/a.ts', text: 'empty module', agentId: 'alice' });
    const history = data<{ changes: { kind: string }[] }>(
      await alice.callTool({ name: 'lighthouse_file_history', arguments: { path: 'src/a.ts' } }),
    );
    expect(history.changes.map((c) => c.kind)).toEqual(['created']);
    const ctx = await bridge.client('alice').post<{ id: string }>('/v1/contexts', {
      name: 'review',
      files: ['src/a.ts'],
      note: 'look here',
    });
    const context = await alice.callTool({ name: 'lighthouse_context', arguments: { id: ctx.body.id } });
    expect(data(context)).toMatchObject({ name: 'review', note: 'look here', files: [{ path: 'src/a.ts' }] });

    const tree = await alice.readResource({ uri: 'lighthouse://tree' });
    expect(JSON.parse((tree.contents[0] as { text: string }).text).files).toEqual([
      expect.objectContaining({ path: 'src/a.ts' }),
    ]);
    const file = await alice.readResource({ uri: 'lighthouse://file/src/a.ts' });
    expect((file.contents[0] as { text: string }).text).toBe('export {};\n');
    const missing = await alice.callTool({
      name: 'lighthouse_file_history',
      arguments: { path: '../etc/passwd' },
    });
    expect(missing.isError).toBe(true);
  });

  it("lighthouse://decisions is the reading agent's own decision log", async () => {
    const mine = await bridge.client('alice').post<{ decisionId: string }>('/v1/validate', {
      tool: 'Read',
      input: { file_path: '/w/alice-only' },
    });
    const theirs = await bridge.client('bob').post<{ decisionId: string }>('/v1/validate', {
      tool: 'Read',
      input: { file_path: '/w/bob-only' },
    });
    const log = await alice.readResource({ uri: 'lighthouse://decisions' });
    const { events } = JSON.parse((log.contents[0] as { text: string }).text) as { events: { id: string }[] };
    expect(events.map((e) => e.id)).toContain(mine.body.decisionId);
    expect(events.map((e) => e.id)).not.toContain(theirs.body.decisionId);
  });

  it("lighthouse://decisions finds the agent's decisions behind a thousand of the others'", async () => {
    // The others' come first in the log: one page of the query holds none of alice's.
    const others = Array.from({ length: 1000 }, (_, i) => ({
      type: 'ToolCallDecided',
      data: { agentId: 'bob', decisionId: `filler-${i}` },
    }));
    expect((await bridge.admin().post('/v1/events', { stream: 'decisions', events: others })).status).toBe(
      201,
    );
    const mine = await bridge.client('alice').post<{ decisionId: string }>('/v1/validate', {
      tool: 'Read',
      input: { file_path: '/w/alice-later' },
    });
    const log = await alice.readResource({ uri: 'lighthouse://decisions' });
    const { events } = JSON.parse((log.contents[0] as { text: string }).text) as {
      events: { id: string; stream: string }[];
    };
    expect(events.map((e) => e.id)).toContain(mine.body.decisionId);
    expect(events.every((e) => e.stream === 'decisions')).toBe(true);
  });

  it('lighthouse_status is one line', async () => {
    const r = text(await alice.callTool({ name: 'lighthouse_status', arguments: {} }));
    expect(r.split('\n')).toHaveLength(1);
    expect(r).toMatch(/ready \(pg\).*you are alice$/);
  });

  it('agent A elicits, expert B lists and answers through its own server, A receives the typed answer', async () => {
    const bob = await mcpAs('bob');
    const schema = {
      type: 'object',
      properties: { port: { type: 'integer', minimum: 1, maximum: 65535 } },
      required: ['port'],
    };
    const asking = alice.callTool(
      {
        name: 'lighthouse_elicit',
        arguments: { to: 'bob', message: 'Which port?', requestedSchema: schema, waitSeconds: 20 },
      },
      undefined,
      { timeout: 30_000 },
    );
    let pending: { id: string }[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      pending = data<{ elicitations: { id: string }[] }>(
        await bob.callTool({ name: 'lighthouse_elicitations', arguments: { status: 'pending' } }),
      ).elicitations;
      if (!pending.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pending).toHaveLength(1);
    const invalid = await bob.callTool({
      name: 'lighthouse_answer',
      arguments: { id: pending[0]!.id, action: 'accept', content: { port: 0 } },
    });
    expect(invalid.isError).toBe(true);
    expect(text(invalid)).toMatch(/422/);
    await bob.callTool({
      name: 'lighthouse_answer',
      arguments: { id: pending[0]!.id, action: 'accept', content: { port: 8080 } },
    });
    expect(data(await asking)).toMatchObject({ status: 'accepted', content: { port: 8080 } });
  });

  it('an expert answers an escalation routed to it; the waiting validation gets the answer', async () => {
    const expert = await mcpAs('expert-1');
    // Registering needs the administrator's grant first.
    const refused = await expert.callTool({
      name: 'lighthouse_escalations',
      arguments: { capabilities: ['*'], waitSeconds: 0 },
    });
    expect([refused.isError, text(refused)]).toEqual([
      true,
      expect.stringMatching(/^bridge answered 403 not_granted:/),
    ]);
    await grantExpert(bridge.admin(), 'expert-1', ['*']);
    const registered = await expert.callTool({
      name: 'lighthouse_escalations',
      arguments: { capabilities: ['*'], waitSeconds: 0 },
    });
    expect(data(registered)).toEqual({ escalations: [] });
    const waiting = bridge.client('carol').post<{ decision: string; tier: string }>('/v1/validate', {
      tool: 'Bash',
      input: { command: 'sudo apt-get install -y jq' },
    });
    const polled = data<{ escalations: { id: string; agentId: string }[] }>(
      await expert.callTool({ name: 'lighthouse_escalations', arguments: { waitSeconds: 15 } }, undefined, {
        timeout: 30_000,
      }),
    );
    expect(polled.escalations).toEqual([expect.objectContaining({ agentId: 'carol' })]);
    await expert.callTool({
      name: 'lighthouse_decide',
      arguments: { id: polled.escalations[0]!.id, decision: 'allow', reason: 'jq is fine' },
    });
    expect((await waiting).body).toMatchObject({ decision: 'allow', tier: 'escalation' });
  });

  it('surfaces a question to the person through MCP elicitation when the client supports it', async () => {
    const dave = await mcpAs('dave', { elicitation: true });
    dave.setRequestHandler(ElicitRequestSchema, async (req) => {
      expect(req.params.message).toBe('alice asks: Proceed?');
      return { action: 'accept', content: { proceed: true } };
    });
    const created = await bridge.client('alice').post<{ id: string }>('/v1/elicitations', {
      to: 'dave',
      message: 'Proceed?',
      requestedSchema: {
        type: 'object',
        properties: { proceed: { type: 'boolean' } },
        required: ['proceed'],
      },
    });
    const r = data<{ answered: { id: string; status: string }[] }>(
      await dave.callTool({ name: 'lighthouse_elicitations', arguments: { askHuman: true } }),
    );
    expect(r.answered).toEqual([expect.objectContaining({ id: created.body.id, status: 'accepted' })]);
    const noSupport = await alice.callTool({
      name: 'lighthouse_elicitations',
      arguments: { askHuman: true },
    });
    expect(noSupport.isError).toBe(true);
    expect(text(noSupport)).toMatch(/does not support elicitation/);
  });

  it('a bridge that cannot be reached is a clear tool error, not a crash', async () => {
    const down = await mcpAs('alice', { url: `http://127.0.0.1:${await freePort()}` });
    const r = await down.callTool({ name: 'lighthouse_status', arguments: {} });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/is unreachable \(ECONNREFUSED\)/);
    // A resource has no error result: its read fails with an MCP error that says the same.
    for (const uri of ['lighthouse://decisions', 'lighthouse://tree', 'lighthouse://file/src/a.ts'])
      await expect(down.readResource({ uri })).rejects.toThrow(/is unreachable \(ECONNREFUSED\)/);
    expect((await down.listTools()).tools.length).toBe(10);
  });

  it('mcp install writes a command into .mcp.json that starts a working server', async () => {
    const project = scratchDir('mcp-project-');
    writeFileSync(
      path.join(project, '.mcp.json'),
      JSON.stringify({ mcpServers: { other: { command: 'o' } } }),
    );
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: scratchDir('mcp-home-'),
      LIGHTHOUSE_URL: bridge.url,
      LIGHTHOUSE_CREDENTIAL: bridge.credential('erin'),
    };
    execFileSync(process.execPath, [cli, 'mcp', 'install', '--project-dir', project], { env });
    const config = JSON.parse(readFileSync(path.join(project, '.mcp.json'), 'utf8')) as {
      mcpServers: Record<string, { command: string; args: string[] }>;
    };
    expect(Object.keys(config.mcpServers).sort()).toEqual(['lighthouse', 'other']);
    const entry = config.mcpServers.lighthouse!;
    // Claude Code runs the entry with the user's ordinary PATH: the launcher picks the right Node itself.
    const client = new Client({ name: 'claude-code', version: '1' });
    clients.push(client);
    await client.connect(
      new StdioClientTransport({ command: entry.command, args: entry.args, env, cwd: project }),
    );
    expect(text(await client.callTool({ name: 'lighthouse_status', arguments: {} }))).toMatch(
      /you are erin$/,
    );
  });
});
