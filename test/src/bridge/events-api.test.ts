// The events API and policy hot reload, on a real bridge and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { grantExpert, sseEvents, startTestBridge, until, type TestBridge } from './harness.js';

let db: TestDatabase;
let bridge: TestBridge;
let configDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  configDir = mkdtempSync(path.join(tmpdir(), 'lh-config-'));
  bridge = await startTestBridge({ databaseUrl: db.url }, { LIGHTHOUSE_CONFIG_DIR: configDir });
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await db?.drop();
  rmSync(configDir, { recursive: true, force: true });
});

interface EventView {
  stream: string;
  version: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  checkpoint: string;
}

describe('events API', () => {
  it('appends with an expected version and answers 409 on a conflict, storing nothing', async () => {
    const alice = bridge.client('alice');
    const first = await alice.post('/v1/events', {
      stream: 'notes:1',
      expectedVersion: 'no_stream',
      events: [{ type: 'NoteAdded', data: { text: 'one' } }],
    });
    expect(first).toMatchObject({ status: 201, body: { stream: 'notes:1', version: 1 } });
    const conflict = await alice.post<{ error: { code: string; details: unknown } }>('/v1/events', {
      stream: 'notes:1',
      expectedVersion: 0,
      events: [{ type: 'NoteAdded', data: { text: 'lost' } }],
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({
      code: 'concurrency_conflict',
      details: { stream: 'notes:1', actual: 1 },
    });
    const read = await alice.get<{ events: EventView[] }>('/v1/events?stream=notes:1');
    expect(read.body.events.map((e) => e.data)).toEqual([{ text: 'one' }]);
    expect(read.body.events[0]?.metadata).toMatchObject({ agentId: 'alice' });
  });

  it('replaces a forged metadata.agentId with the signer, keeping the rest of the metadata', async () => {
    const res = await bridge.client('alice').post('/v1/events', {
      stream: 'notes:forged',
      events: [
        { type: 'NoteAdded', data: { text: 'from bob?' }, metadata: { agentId: 'bob', source: 'cli' } },
      ],
    });
    expect(res.status).toBe(201);
    const read = await bridge.client('carol').get<{ events: EventView[] }>('/v1/events?stream=notes:forged');
    expect(read.body.events).toHaveLength(1);
    expect(read.body.events[0]?.metadata).toMatchObject({ agentId: 'alice', source: 'cli' });
  });

  it('refuses writes to the streams the bridge owns', async () => {
    // decisions-…: a query by the prefix "decisions" is an agent's decision log, so no one else writes there.
    for (const stream of [
      'decisions',
      'decisions-forged',
      'revocations',
      'escalation:x',
      'expert:alice',
      'agent:bob',
    ]) {
      const res = await bridge.client('alice').post<{ error: { code: string } }>('/v1/events', {
        stream,
        events: [{ type: 'Forged', data: {} }],
      });
      expect([res.status, res.body.error.code]).toEqual([403, 'reserved_stream']);
    }
  });

  it('refuses bad input with 400 and stores nothing', async () => {
    const alice = bridge.client('alice');
    const nul = await alice.post<{ error: { code: string } }>('/v1/events', {
      stream: 'notes:2',
      events: [{ type: 'NoteAdded', data: { text: 'a\u0000b' } }],
    });
    expect([nul.status, nul.body.error.code]).toEqual([400, 'invalid_data']);
    const badQuery = await alice.get<{ error: { code: string } }>('/v1/events?after=nope');
    expect([badQuery.status, badQuery.body.error.code]).toEqual([400, 'invalid_request']);
    expect((await alice.get<{ events: unknown[] }>('/v1/events?stream=notes:2')).body.events).toEqual([]);
  });

  it('answers a query PostgreSQL could not take with 400 invalid_request, on a read and on the SSE stream', async () => {
    const alice = bridge.client('alice');
    const refusal = (res: { status: number; body: unknown }) => [
      res.status,
      (res.body as { error?: { code: string } }).error?.code,
    ];
    for (const query of [
      'after=1.9223372036854775808', // one past a bigint position
      'types=Note%00Added',
      'streamPrefix=notes%00',
      'stream=notes%00',
      'from=99999-01-01', // toISOString writes +099999-…, which PostgreSQL does not read
      'to=0000-12-31T23:00:00Z', // year 0 is no year to PostgreSQL
      'from=1', // not ISO-8601: Date alone would read it as 2001
    ]) {
      expect([query, ...refusal(await alice.get(`/v1/events?${query}`))]).toEqual([
        query,
        400,
        'invalid_request',
      ]);
    }
    // The stream answered 200 and then retried the failing query forever, delivering nothing.
    for (const query of ['after=1.9223372036854775808', 'types=Note%00Added', 'streamPrefix=notes%00']) {
      const ctl = new AbortController();
      const res = await alice.fetch('GET', `/v1/events/stream?${query}`, undefined, ctl.signal);
      const body: unknown = res.status === 200 ? {} : await res.json();
      ctl.abort();
      expect([query, ...refusal({ status: res.status, body })]).toEqual([query, 400, 'invalid_request']);
    }
    // A bad ?after= is named as such, not as the Last-Event-ID header it was not.
    const named = await alice.get<{ error: { message: string } }>('/v1/events/stream?after=x');
    expect(named.body.error.message).toMatch(/^after must be/);
  });

  it('queries by type and time, and streams from a checkpoint over SSE', async () => {
    const alice = bridge.client('alice');
    const before = new Date(Date.now() - 1000).toISOString();
    const page = await alice.get<{ events: EventView[]; checkpoint: string }>(
      `/v1/events?types=NoteAdded&from=${encodeURIComponent(before)}`,
    );
    expect(page.body.events.every((e) => e.type === 'NoteAdded')).toBe(true);
    const ctl = new AbortController();
    const res = await alice.fetch(
      'GET',
      `/v1/events/stream?after=${page.body.checkpoint}&types=NoteAdded`,
      undefined,
      ctl.signal,
    );
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = sseEvents(res, 'NoteAdded') as AsyncGenerator<EventView>;
    await alice.post('/v1/events', {
      stream: 'notes:3',
      events: [{ type: 'NoteAdded', data: { text: 'live' } }],
    });
    const { value } = await events.next();
    expect(value).toMatchObject({ stream: 'notes:3', data: { text: 'live' } });
    ctl.abort();
  });

  it('resumes the SSE stream after a checkpoint given as ?after= or as Last-Event-ID', async () => {
    const alice = bridge.client('alice');
    const append = (n: number) =>
      alice.post('/v1/events', { stream: 'resume:1', events: [{ type: 'ResumeMarked', data: { n } }] });
    for (const n of [1, 2, 3]) expect((await append(n)).status).toBe(201);
    const stored = (await alice.get<{ events: EventView[] }>('/v1/events?stream=resume:1')).body.events;
    const [cp1, cp2] = stored.map((e) => e.checkpoint);
    const filter = 'types=ResumeMarked&streamPrefix=resume:';

    const open = async (path: string, lastEventId?: string) => {
      const headers: Record<string, string> = signedHeaders(alice.credential, 'GET', path);
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const ctl = new AbortController();
      const res = await fetch(bridge.url + path, { headers, signal: ctl.signal });
      expect(res.status).toBe(200);
      const events = sseEvents(res, 'ResumeMarked') as AsyncGenerator<EventView>;
      // The first event, or a failure (not a hang) when nothing comes.
      const first = async () => {
        let timer: NodeJS.Timeout | undefined;
        const none = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`nothing on ${path}`)), 5_000);
        });
        try {
          return (await Promise.race([events.next(), none])).value as EventView;
        } finally {
          clearTimeout(timer);
        }
      };
      return { first, close: () => ctl.abort() };
    };

    const byQuery = await open(`/v1/events/stream?after=${cp1}&${filter}`);
    try {
      expect((await byQuery.first()).data).toEqual({ n: 2 });
      expect((await byQuery.first()).data).toEqual({ n: 3 });
    } finally {
      byQuery.close();
    }
    // A reconnecting EventSource keeps its URL and sends the last id it saw: that id wins.
    const byHeader = await open(`/v1/events/stream?after=${cp1}&${filter}`, cp2);
    try {
      const resumed = await byHeader.first();
      expect([resumed.data, resumed.checkpoint]).toEqual([{ n: 3 }, stored[2]?.checkpoint]);
    } finally {
      byHeader.close();
    }
  });

  it('a stream reader that stops reading holds the subscription back; the bridge does not buffer the store for it', async () => {
    const alice = bridge.client('alice');
    const { checkpoint } = (await alice.get<{ checkpoint: string }>('/v1/events?types=BulkWritten&limit=1'))
      .body;
    const path = `/v1/events/stream?types=BulkWritten&after=${encodeURIComponent(checkpoint)}`;
    let response: ServerResponse | undefined;
    // Express has rewritten req.url for its router by the time this listener runs.
    const capture = (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse) => {
      if (req.originalUrl === path) response = res;
    };
    bridge.server.on('request', capture);
    const { port } = new URL(bridge.url);
    const socket = connect(Number(port), '127.0.0.1');
    try {
      await new Promise((r) => socket.once('connect', r));
      socket.pause(); // never reads what the bridge sends
      const headers = signedHeaders(alice.credential, 'GET', path);
      socket.write(
        `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}\r\n`,
      );
      await until(() => response);
      // 24 MiB of events behind the reader, far more than the socket buffers take.
      const blob = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 8; i++) {
        await bridge.services.store.append(
          'bulk:1',
          Array.from({ length: 48 }, () => ({ type: 'BulkWritten', data: { blob } })),
        );
      }
      // Let the subscription catch up with whatever it is allowed to read.
      let last = -1;
      await until(async () => {
        await new Promise((r) => setTimeout(r, 500));
        const now = response!.writableLength;
        const settled = now === last;
        last = now;
        return settled ? true : undefined;
      }, 30_000);
      expect(response!.writableLength).toBeLessThan(4 * 1024 * 1024);
    } finally {
      bridge.server.off('request', capture);
      socket.destroy();
    }
  }, 60_000);

  it('shows elicitation events only to their participants (and admins), in reads, queries and SSE', async () => {
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((a) => bridge.client(a));
    const ask = () =>
      alice!.post<{ id: string }>('/v1/elicitations', {
        to: 'bob',
        message: 'private question',
        requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
        timeoutSeconds: 60,
      });
    const { id } = (await ask()).body;
    const stream = `/v1/events?stream=elicitation:${id}`;
    const refused = await carol!.get<{ error: { code: string } }>(stream);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden_stream']);
    for (const reader of [bob!, alice!, bridge.admin()]) {
      const read = await reader.get<{ events: EventView[] }>(stream);
      expect(read.body.events.map((e) => e.type)).toEqual(['ElicitationRequested']);
    }
    const query = '/v1/events?streamPrefix=elicitation:&limit=1000';
    expect((await carol!.get<{ events: EventView[] }>(query)).body.events).toEqual([]);
    expect((await bob!.get<{ events: EventView[] }>(query)).body.events.length).toBeGreaterThan(0);

    // SSE: carol's feed skips the next elicitation but carries the note appended after it.
    const after = (await carol!.get<{ checkpoint: string }>('/v1/events?limit=1000')).body.checkpoint;
    const ctl = new AbortController();
    const res = await carol!.fetch(
      'GET',
      `/v1/events/stream?after=${after}&types=ElicitationRequested,NoteAdded`,
      undefined,
      ctl.signal,
    );
    await ask();
    await alice!.post('/v1/events', { stream: 'notes:4', events: [{ type: 'NoteAdded', data: {} }] });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: NoteAdded')) text += (await reader.read()).value ?? '';
    ctl.abort();
    expect(text).not.toContain('event: ElicitationRequested');
  });

  it('keeps tool calls private: decisions, escalations and agent logs show an agent only what concerns it', async () => {
    const alice = bridge.client('alice');
    const bob = bridge.client('bob');
    const mine = (
      await alice.post<{ decisionId: string }>('/v1/validate', {
        tool: 'Read',
        input: { file_path: '/w/secret-plan' },
      })
    ).body.decisionId;
    const theirs = (
      await bob.post<{ decisionId: string }>('/v1/validate', { tool: 'Read', input: { file_path: '/w/b' } })
    ).body.decisionId;
    // An escalation raised by alice (no expert; wait: false answers at once).
    const escalated = await alice.post<{ decision: string }>('/v1/validate', {
      tool: 'Bash',
      input: { command: 'sudo systemctl restart nginx' },
      wait: false,
    });
    expect(escalated.body.decision).toBe('escalate');
    // alice's tool-call log, as the Claude Code hook's PostToolUse writes it.
    const hook = await fetch(`${bridge.url}/v1/hooks/claude-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.hookToken('alice')}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        hook_event_name: 'PostToolUse',
        tool_name: 'Read',
        tool_input: { file_path: '/w/secret-plan' },
      }),
    });
    expect(hook.status).toBe(200);

    const query = async (c: BridgeClient, prefix: string) =>
      (
        await c.get<{ events: (EventView & { id: string })[] }>(
          `/v1/events?streamPrefix=${prefix}&limit=1000`,
        )
      ).body.events;
    const admin = bridge.admin();
    const all = await query(admin, 'escalation:');
    expect(all.some((e) => (e.data as { agentId?: string }).agentId === 'alice')).toBe(true);

    const bobsDecisions = await query(bob, 'decisions');
    expect(bobsDecisions.map((e) => e.id)).toContain(theirs);
    expect(bobsDecisions.every((e) => (e.data as { agentId: string }).agentId === 'bob')).toBe(true);
    expect((await query(alice, 'decisions')).map((e) => e.id)).toContain(mine);
    expect((await query(admin, 'decisions')).map((e) => e.id)).toEqual(
      expect.arrayContaining([mine, theirs]),
    );
    expect(await query(bob, 'escalation:')).toEqual([]);
    expect((await query(alice, 'escalation:')).length).toBeGreaterThan(0);
    expect(await query(bob, 'agent:alice')).toEqual([]);
    expect((await query(alice, 'agent:alice')).map((e) => e.type)).toEqual(['ToolCallCompleted']);

    // Refused by the stream's name, wherever the read starts: an empty page past the end would tell how many there are.
    await grantExpert(admin, 'alice', ['vcs']);
    for (const read of [
      'decisions',
      'agent:alice',
      'expert:alice',
      'agent:alice&fromVersion=1000',
      'decisions&fromVersion=1000000',
    ]) {
      const refused = await bob.get<{ error: { code: string } }>(`/v1/events?stream=${read}`);
      expect([read, refused.status, refused.body.error?.code]).toEqual([read, 403, 'forbidden_stream']);
    }
    expect((await alice.get('/v1/events?stream=agent:alice')).status).toBe(200);
    expect((await alice.get('/v1/events?stream=expert:alice')).status).toBe(200);
    // An agent's expert record (its grant) is its own and the administrator's.
    expect(await query(bob, 'expert:')).toEqual([]);
    expect((await query(alice, 'expert:alice')).map((e) => e.type)).toEqual(['ExpertGranted']);

    // SSE: bob's feed skips alice's next decision but carries his own after it.
    const after = (await bob.get<{ checkpoint: string }>('/v1/events?limit=1000')).body.checkpoint;
    const ctl = new AbortController();
    const res = await bob.fetch(
      'GET',
      `/v1/events/stream?after=${after}&types=ToolCallDecided`,
      undefined,
      ctl.signal,
    );
    await alice.post('/v1/validate', { tool: 'Read', input: { file_path: '/w/secret-2' } });
    const last = (
      await bob.post<{ decisionId: string }>('/v1/validate', { tool: 'Read', input: { file_path: '/w/b2' } })
    ).body.decisionId;
    const seen: string[] = [];
    for await (const e of sseEvents(res, 'ToolCallDecided')) {
      seen.push((e as { data: { agentId: string } }).data.agentId);
      if ((e as { id: string }).id === last) break;
    }
    ctl.abort();
    expect(seen).toEqual(['bob']);
  });

  it("a query leaves out other agents' events before paging: neither page nor checkpoint tells where they are", async () => {
    const carol = bridge.client('carol');
    const dave = bridge.client('dave');
    const start = (await carol.get<{ checkpoint: string }>('/v1/events?limit=1000')).body.checkpoint;
    for (let i = 0; i < 3; i++)
      await dave.post('/v1/validate', { tool: 'Read', input: { file_path: `/w/dave-${i}` } });
    await new Promise((r) => setTimeout(r, 20));
    const daveOnly = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const own = (
      await carol.post<{ decisionId: string }>('/v1/validate', { tool: 'Read', input: { file_path: '/w/c' } })
    ).body.decisionId;
    type Page = { events: { id: string }[]; checkpoint: string; more: boolean };
    const page = async (query: string) =>
      (await carol.get<Page>(`/v1/events?streamPrefix=decisions&after=${start}&${query}`)).body;
    // Three of dave's decisions come first, yet carol's page of three holds hers.
    const first = await page('limit=3');
    expect([first.events.map((e) => e.id), first.more]).toEqual([[own], false]);
    // A time window holding only dave's decisions reads as an empty one: its checkpoint is
    // the store's horizon (position 0), not one of his events.
    const hidden = await page(`limit=1&to=${encodeURIComponent(daveOnly)}`);
    expect([hidden.events, hidden.more]).toEqual([[], false]);
    expect(hidden.checkpoint).toMatch(/^\d+\.0$/);
  });

  it('logs a long input field as its size and digest in the decision', async () => {
    const content = 'a line of notes\n'.repeat(20_000);
    const res = await bridge.client('alice').post<{ decisionId: string; decision: string }>('/v1/validate', {
      tool: 'Write',
      input: { file_path: '/w/notes.txt', content },
      // A write outside any project escalates; the answer is not what this is about.
      wait: false,
    });
    expect(res.status).toBe(200);
    const decisions = await bridge
      .admin()
      .get<{ events: (EventView & { id: string })[] }>('/v1/events?stream=decisions&limit=1000');
    const logged = decisions.body.events.find((e) => e.id === res.body.decisionId);
    expect(logged?.data).toMatchObject({
      tool: 'Write',
      decision: res.body.decision,
      input: {
        file_path: '/w/notes.txt',
        content: {
          omitted: true,
          bytes: JSON.stringify(content).length,
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      },
    });
  });

  it('records every decision in the decisions stream', async () => {
    const res = await bridge.client('alice').post<{ decisionId: string }>('/v1/validate', {
      tool: 'Read',
      input: { file_path: '/w/a' },
    });
    const decisions = await bridge
      .admin()
      .get<{ events: (EventView & { id: string })[] }>('/v1/events?stream=decisions&limit=1000');
    expect(decisions.body.events.find((e) => e.id === res.body.decisionId)).toMatchObject({
      type: 'ToolCallDecided',
      data: { agentId: 'alice', tool: 'Read', decision: 'allow' },
    });
  });
});

describe('policy hot reload', () => {
  it('applies a new policy.yaml without restart, clears the cache, and keeps the old one when the file is bad', async () => {
    const alice = bridge.client('alice');
    const call = { tool: 'Read', input: { file_path: '/w/readme' } };
    const original = await alice.post<{ policyRevision: string; decision: string }>('/v1/validate', call);
    expect(original.body.decision).toBe('allow');
    writeFileSync(
      path.join(configDir, 'policy.yaml'),
      [
        'rules:',
        '  - id: no-reading',
        '    description: Reading is off today',
        '    priority: 900',
        '    action: block',
        '    category: test',
        '    match: { tool: Read }',
        '',
      ].join('\n'),
    );
    const blocked = await until(async () => {
      const r = await alice.post<{ decision: string; ruleId: string; policyRevision: string; tier: string }>(
        '/v1/validate',
        call,
      );
      return r.body.decision === 'block' ? r.body : undefined;
    }, 15_000); // applied once two 1 s polls have read it: more than until's default on a loaded machine
    expect(blocked).toMatchObject({ ruleId: 'no-reading', tier: 'policy' });
    expect(blocked.policyRevision).not.toBe(original.body.policyRevision);

    writeFileSync(path.join(configDir, 'policy.yaml'), 'rules: [ {id: broken');
    await new Promise((r) => setTimeout(r, 1_500));
    const still = await alice.post<{ decision: string; policyRevision: string }>('/v1/validate', call);
    expect(still.body).toMatchObject({ decision: 'block', policyRevision: blocked.policyRevision });
  });

  it('empties the decision cache when a new policy is applied (cache.entries in /v1/status drops to 0)', async () => {
    const alice = bridge.client('alice');
    type Status = { policy: { revision: string }; cache: { entries: number } };
    const status = async () => (await alice.get<Status>('/v1/status')).body;
    for (const file_path of ['/w/c1', '/w/c2']) {
      expect((await alice.post('/v1/validate', { tool: 'Read', input: { file_path } })).status).toBe(200);
    }
    const before = await status();
    expect(before.cache.entries).toBeGreaterThan(0);
    writeFileSync(
      path.join(configDir, 'policy.yaml'),
      [
        'rules:',
        '  - id: reading-is-fine',
        '    description: Reading is back',
        '    priority: 900',
        '    action: allow',
        '    category: test',
        '    match: { tool: Read }',
        '',
      ].join('\n'),
    );
    // Nothing validates in between: only clearing on the change can empty it (the TTL is a minute).
    const after = await until(async () => {
      const s = await status();
      return s.policy.revision !== before.policy.revision ? s : undefined;
    }, 15_000);
    expect(after.cache.entries).toBe(0);
  });
});
