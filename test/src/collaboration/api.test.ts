// Elicitation, project state and flags through the real bridge over HTTP
// (signed requests, the real store on PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { sseEvents, startTestBridge, until, type TestBridge } from '../bridge/harness.js';

let db: TestDatabase;
let bridge: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startTestBridge({ databaseUrl: db.url });
}, 120_000);
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

const schema = {
  type: 'object',
  properties: { port: { type: 'integer', minimum: 1, maximum: 65535 }, confirm: { type: 'boolean' } },
  required: ['port'],
};

describe('elicitation API', () => {
  it('ask → target sees it → invalid answer 422 → valid answer → requester long-poll receives it', async () => {
    const alice = bridge.client('alice');
    const bob = bridge.client('bob');
    const created = await alice.post<{ id: string; status: string }>('/v1/elicitations', {
      to: 'bob',
      message: 'Which port should the dev server use?',
      requestedSchema: schema,
      timeoutSeconds: 60,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const waiting = alice.get<{ status: string; content: unknown; result: unknown }>(
      `/v1/elicitations/${id}?wait=10`,
    );

    const pending = await bob.get<{ elicitations: { id: string }[] }>(
      '/v1/elicitations?role=target&status=pending',
    );
    expect(pending.body.elicitations.map((e) => e.id)).toContain(id);

    const bad = await bob.post<{ error: { code: string } }>(`/v1/elicitations/${id}/accept`, {
      content: { port: 0 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('invalid_content');
    expect((await bob.get<{ status: string }>(`/v1/elicitations/${id}`)).body.status).toBe('pending');

    expect((await alice.post(`/v1/elicitations/${id}/accept`, { content: { port: 1 } })).status).toBe(403);
    expect((await bob.post(`/v1/elicitations/${id}/cancel`, {})).status).toBe(403);
    expect((await bridge.client('eve').get(`/v1/elicitations/${id}`)).status).toBe(404);

    expect((await bob.post(`/v1/elicitations/${id}/accept`, { content: { port: 8080 } })).status).toBe(200);
    const outcome = await waiting;
    expect(outcome.body).toMatchObject({
      status: 'accepted',
      content: { port: 8080 },
      result: { action: 'accept' },
    });
    expect((await bob.post(`/v1/elicitations/${id}/decline`, {})).status).toBe(409);

    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/lighthouse_bridge_elicitations_total\{outcome="accepted"\} 1/);
    expect(metrics).toMatch(/lighthouse_bridge_elicitation_duration_seconds_count\{outcome="accepted"\} 1/);
  });

  it('create with ?wait= answers with the outcome, like MCP’s elicitation/create', async () => {
    const alice = bridge.client('alice');
    const bob = bridge.client('wait-tgt');
    const events = sseEvents(await bob.fetch('GET', '/v1/elicitations/stream?role=target'), 'elicitation');
    const asking = alice.post<{ id: string; status: string; content: unknown; result: unknown }>(
      '/v1/elicitations?wait=20',
      { to: 'wait-tgt', message: 'Port?', requestedSchema: schema, timeoutSeconds: 60 },
    );
    const heard = (await events.next()).value as { id: string; status: string };
    expect(heard.status).toBe('pending');
    const answered = await bob.post(`/v1/elicitations/${heard.id}/accept`, { content: { port: 3000 } });
    expect(answered.status).toBe(200);
    const outcome = await asking;
    expect(outcome.status).toBe(201);
    expect(outcome.body).toMatchObject({
      id: heard.id,
      status: 'accepted',
      content: { port: 3000 },
      result: { action: 'accept', content: { port: 3000 } },
    });
    await events.return(undefined);

    // Nothing within the wait: 201 with the elicitation still pending, as a plain create answers.
    const t0 = Date.now();
    const unanswered = await alice.post<{ id: string; status: string }>('/v1/elicitations?wait=0.3', {
      to: 'bob',
      message: 'Anyone?',
      requestedSchema: schema,
    });
    expect(unanswered.status).toBe(201);
    expect(unanswered.body.status).toBe('pending');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('refuses a create with a bad ?wait= with 400 and creates nothing', async () => {
    const alice = bridge.client('alice');
    const before = (await alice.get<{ elicitations: unknown[] }>('/v1/elicitations?role=requester')).body
      .elicitations.length;
    for (const wait of ['-1', 'abc', '301', '1e3', '']) {
      const r = await alice.post<{ error: { code: string; message: string } }>(
        `/v1/elicitations?wait=${wait}`,
        { to: 'bob', message: 'never stored', requestedSchema: schema },
      );
      expect([wait, r.status, r.body.error.code]).toEqual([wait, 400, 'invalid_request']);
      expect(r.body.error.message).toMatch(/wait must be a number of seconds from 0 to 300/);
    }
    const after = (
      await alice.get<{ elicitations: { message: string }[] }>('/v1/elicitations?role=requester')
    ).body.elicitations;
    expect(after).toHaveLength(before);
    expect(after.map((e) => e.message)).not.toContain('never stored');
  });

  it('ends a create’s wait whose client went away; the elicitation stays pending', async () => {
    const svc = bridge.services.elicitations;
    const before = svc.listening;
    const gone = new AbortController();
    const asking = bridge
      .client('alice')
      .fetch(
        'POST',
        '/v1/elicitations?wait=60',
        { to: 'bob', message: 'Left early', requestedSchema: schema },
        gone.signal,
      )
      .catch(() => undefined);
    await until(() => (svc.listening === before + 1 ? true : undefined));
    gone.abort();
    await asking;
    await until(() => (svc.listening === before ? true : undefined));
    const mine = svc.list('alice', 'requester', 'pending').filter((e) => e.message === 'Left early');
    expect(mine).toHaveLength(1);
  });

  it('ends a long poll whose client went away (no listener left behind)', async () => {
    const created = await bridge.client('alice').post<{ id: string }>('/v1/elicitations', {
      to: 'bob',
      message: 'Still there?',
      requestedSchema: schema,
    });
    const svc = bridge.services.elicitations;
    const before = svc.listening;
    const gone = new AbortController();
    const polling = bridge
      .client('alice')
      .fetch('GET', `/v1/elicitations/${created.body.id}?wait=60`, undefined, gone.signal)
      .catch(() => undefined);
    await until(() => (svc.listening === before + 1 ? true : undefined));
    gone.abort();
    await polling;
    await until(() => (svc.listening === before ? true : undefined));
  });

  it('refuses a schema outside MCP’s restricted subset with 400 and the offending path', async () => {
    const r = await bridge
      .client('alice')
      .post<{ error: { code: string; details: { problems: { path: string }[] } } }>('/v1/elicitations', {
        to: 'bob',
        message: 'x',
        requestedSchema: { type: 'object', properties: { a: { type: 'string', pattern: '.*' } } },
      });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_schema');
    expect(r.body.error.details.problems[0]!.path).toBe('/requestedSchema/properties/a/pattern');
  });

  it('refuses a list by a status no elicitation has, or a role it does not know, with 400', async () => {
    const alice = bridge.client('alice');
    for (const query of ['status=bogus', 'status=pending&status=accepted', 'role=owner']) {
      const r = await alice.get<{ error: { code: string } }>(`/v1/elicitations?${query}`);
      expect([query, r.status, r.body.error.code]).toEqual([query, 400, 'invalid_request']);
    }
    expect((await alice.get('/v1/elicitations?status=accepted&role=requester')).status).toBe(200);
  });
});

describe('project-state API', () => {
  it('time travel over HTTP: write, overwrite, delete; tree, bytes and history at each time', async () => {
    const alice = bridge.client('alice');
    const w1 = (
      await alice.post<{ at: string; version: number }>('/v1/files', { path: 'src/app.ts', content: 'v1\n' })
    ).body;
    await new Promise((r) => setTimeout(r, 5));
    const w2 = (
      await alice.post<{ at: string }>('/v1/files', { path: 'src/app.ts', diff: '@@ -1 +1 @@\n-v1\n+v2\n' })
    ).body;
    await new Promise((r) => setTimeout(r, 5));
    const w3 = await alice.post<{ at: string }>('/v1/files', { path: 'src/app.ts', deleted: true });
    expect(w3.status).toBe(201);

    const read = async (at: string) => {
      const res = await alice.fetch('GET', `/v1/files/src/app.ts?at=${encodeURIComponent(at)}`);
      return {
        status: res.status,
        text: await res.text(),
        etag: res.headers.get('etag'),
        version: res.headers.get('x-lighthouse-version'),
      };
    };
    expect(await read(w1.at)).toMatchObject({ status: 200, text: 'v1\n', version: '1' });
    expect(await read(w2.at)).toMatchObject({ status: 200, text: 'v2\n', version: '2' });
    expect((await read(w3.body.at)).status).toBe(404);
    expect((await read(w2.at)).etag).toMatch(/^"[0-9a-f]{64}"$/);

    const tree = async (at: string) =>
      (
        await alice.get<{ files: { path: string }[] }>(`/v1/tree?at=${encodeURIComponent(at)}`)
      ).body.files.map((f) => f.path);
    expect(await tree(w2.at)).toContain('src/app.ts');
    expect(await tree(w3.body.at)).not.toContain('src/app.ts');

    const history = await alice.get<{ changes: { kind: string }[] }>('/v1/files/src/app.ts/history');
    expect(history.body.changes.map((c) => c.kind)).toEqual(['created', 'modified', 'deleted']);
    const points = await alice.get<{ points: string[] }>('/v1/history?limit=2');
    expect(points.body.points[0]).toBe(w3.body.at);
  });

  it('takes files up to the file limit (default 8 MiB) over HTTP, and tool calls as large; past it 413, and other bodies stay at 1 MiB', async () => {
    const alice = bridge.client('alice');
    const big = randomBytes(5 * 1024 * 1024);
    const w = await alice.post<{ version: number }>('/v1/files', {
      path: 'assets/model.bin',
      contentBase64: big.toString('base64'),
    });
    expect(w.status).toBe(201);
    const res = await alice.fetch('GET', '/v1/files/assets/model.bin');
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);

    const tooBig = await alice.post<{ error: { code: string } }>('/v1/files', {
      path: 'assets/huge.bin',
      contentBase64: Buffer.alloc(8 * 1024 * 1024 + 1).toString('base64'),
    });
    expect([tooBig.status, tooBig.body.error.code]).toEqual([413, 'file_too_large']);
    expect((await alice.fetch('GET', '/v1/files/assets/huge.bin')).status).toBe(404);

    // A tool call may carry such a file (a Write's content); other bodies may not.
    const write = await alice.post<{ decision: string }>('/v1/validate', {
      tool: 'Write',
      cwd: '/work',
      input: { file_path: '/work/assets/data.json', content: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect([write.status, write.body.decision]).toEqual([200, 'allow']);
    const notAFile = await alice.post<{ error: { code: string } }>('/v1/annotations', {
      path: 'assets/model.bin',
      text: 'x'.repeat(2 * 1024 * 1024),
    });
    expect([notAFile.status, notAFile.body.error.code]).toEqual([413, 'body_too_large']);
  }, 60_000);

  it.each([['../outside.txt'], ['/etc/passwd'], ['a\u0000b'], ['n'.repeat(256)]])(
    'refuses the path %j with 400 invalid_path and stores nothing',
    async (p) => {
      const alice = bridge.client('alice');
      const before = (await alice.get<{ events: unknown[] }>('/v1/events?streamPrefix=file&limit=1000')).body
        .events.length;
      const r = await alice.post<{ error: { code: string } }>('/v1/files', { path: p, content: 'x' });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_path');
      const after = (await alice.get<{ events: unknown[] }>('/v1/events?streamPrefix=file&limit=1000')).body
        .events.length;
      expect(after).toBe(before);
    },
  );

  it('annotations and context packages', async () => {
    const expert = bridge.client('expert');
    await expert.post('/v1/files', { path: 'lib/x.ts', content: 'const a = 1;\n' });
    const a = await expert.post<{ id: string }>('/v1/annotations', {
      path: 'lib/x.ts',
      text: 'prefer let?',
      severity: 'info',
      line: 1,
    });
    expect(a.status).toBe(201);
    const list = await expert.get<{ annotations: { id: string; agentId: string }[] }>(
      '/v1/annotations?path=lib/x.ts',
    );
    expect(list.body.annotations).toEqual([expect.objectContaining({ id: a.body.id, agentId: 'expert' })]);
    const c = await expert.post<{ id: string }>('/v1/contexts', {
      name: 'review',
      files: ['lib/x.ts'],
      note: 'look',
    });
    expect(c.status).toBe(201);
    const got = await expert.get<{ files: { path: string; size: number }[] }>(`/v1/contexts/${c.body.id}`);
    expect(got.body.files).toEqual([expect.objectContaining({ path: 'lib/x.ts', size: 13 })]);
  });
});

describe('feature flags', () => {
  it('events an agent appends to a stream of its own reach neither the project nor the elicitation view', async () => {
    const alice = bridge.client('alice');
    expect((await alice.post('/v1/files', { path: 'src/own.ts', content: 'real\n' })).status).toBe(201);
    const { id } = (
      await alice.post<{ id: string }>('/v1/elicitations', {
        to: 'bob',
        message: 'port?',
        requestedSchema: schema,
        timeoutSeconds: 60,
      })
    ).body;
    const forged = Buffer.from('forged\n');
    const fileChanged = {
      type: 'FileChanged',
      data: {
        path: 'src/own.ts',
        contentBase64: forged.toString('base64'),
        sha256: createHash('sha256').update(forged).digest('hex'),
        size: forged.length,
        agentId: 'alice',
      },
    };
    const by = { by: 'bob', at: new Date().toISOString() };
    const appended = await bridge.client('mallory').post('/v1/events', {
      stream: 'mallory-notes',
      events: [
        fileChanged, // versions 1–3: past the file's own version 1
        fileChanged,
        fileChanged,
        {
          type: 'AnnotationAdded',
          data: { id: 'n-forged', path: 'src/own.ts', text: 'forged', agentId: 'alice' },
        },
        {
          type: 'ContextCreated',
          data: { id: 'c-forged', name: 'forged', note: '', files: [], agentId: 'alice' },
        },
        { type: 'ElicitationAccepted', data: { id, ...by, content: { port: 1 } } },
      ],
    });
    expect(appended.status).toBe(201);

    // A replica started now has caught up with every event (the forged ones included) when it is ready.
    const replica = await startTestBridge({ databaseUrl: db.url });
    try {
      const reader = replica.client('alice');
      const file = await reader.fetch('GET', '/v1/files/src/own.ts');
      expect(await file.text()).toBe('real\n');
      const history = await reader.get<{ changes: unknown[] }>('/v1/files/src/own.ts/history');
      expect(history.body.changes).toHaveLength(1);
      const notes = await reader.get<{ annotations: unknown[] }>('/v1/annotations?path=src/own.ts');
      expect(notes.body.annotations).toEqual([]);
      expect((await reader.get(`/v1/contexts/c-forged`)).status).toBe(404);
      expect((await reader.get<{ status: string }>(`/v1/elicitations/${id}`)).body.status).toBe('pending');
      // The real target's answer is still taken, by the replica that never saw it answered.
      const answer = await replica
        .client('bob')
        .post(`/v1/elicitations/${id}/accept`, { content: { port: 8080 } });
      expect(answer.status).toBe(200);
    } finally {
      await replica.close();
    }
  });

  it('the admin kill switch turns elicitation off at once, and only the admin may pull it', async () => {
    const alice = bridge.client('alice');
    expect((await alice.post('/v1/admin/flags/elicitation/kill', {})).status).toBe(403);
    expect((await bridge.admin().post('/v1/admin/flags/elicitation/kill', { reason: 'test' })).status).toBe(
      200,
    );
    const flags = await alice.get<{ killed: string[]; enabled: Record<string, boolean> }>('/v1/flags');
    expect(flags.body.killed).toContain('elicitation');
    expect(flags.body.enabled.elicitation).toBe(false);
    const refused = await alice.post<{ error: { code: string } }>('/v1/elicitations', {
      to: 'bob',
      message: 'x',
      requestedSchema: schema,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('feature_disabled');
    expect((await bridge.admin().post('/v1/admin/flags/elicitation/restore', {})).status).toBe(200);
    // At once too: the kill, delivered again by the store's subscription after
    // the restore, is not applied over it.
    expect(
      (await alice.get<{ enabled: Record<string, boolean> }>('/v1/flags')).body.enabled.elicitation,
    ).toBe(true);
    expect(
      (await alice.post('/v1/elicitations', { to: 'bob', message: 'x', requestedSchema: schema })).status,
    ).toBe(201);
  });
});

describe('feature flag "escalation"', () => {
  it('when killed, a call that would wait for an expert is blocked at once; restored, it escalates again', async () => {
    const agent = bridge.client('flagged');
    const call = { tool: 'Bash', input: { command: 'echo "unterminated' }, wait: false };
    expect((await agent.post<{ decision: string }>('/v1/validate', call)).body.decision).toBe('escalate');
    await bridge.admin().post('/v1/admin/flags/escalation/kill', { reason: 'experts offline' });
    const blocked = await agent.post<{ decision: string; reason: string; tier: string }>('/v1/validate', {
      ...call,
      wait: true,
    });
    expect(blocked.body).toMatchObject({ decision: 'block', tier: 'escalation' });
    expect(blocked.body.reason).toMatch(/feature flag "escalation"/);
    await bridge.admin().post('/v1/admin/flags/escalation/restore', {});
    expect((await agent.post<{ decision: string }>('/v1/validate', call)).body.decision).toBe('escalate');
  });
});

describe('elicitation SSE', () => {
  it('the target sees new questions and the requester sees the outcome on their streams', async () => {
    const requester = bridge.client('sse-req');
    const target = bridge.client('sse-tgt');
    const tStream = await target.fetch('GET', '/v1/elicitations/stream?role=target');
    const rStream = await requester.fetch('GET', '/v1/elicitations/stream?role=requester');
    expect(tStream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const tEvents = sseEvents(tStream, 'elicitation');
    const rEvents = sseEvents(rStream, 'elicitation');

    const created = await requester.post<{ id: string }>('/v1/elicitations', {
      to: 'sse-tgt',
      message: 'Ship it?',
      requestedSchema: { type: 'object', properties: { yes: { type: 'boolean' } }, required: ['yes'] },
    });
    const seen = (await tEvents.next()).value as { id: string; status: string };
    expect(seen).toMatchObject({ id: created.body.id, status: 'pending' });
    expect(((await rEvents.next()).value as { status: string }).status).toBe('pending');

    await target.post(`/v1/elicitations/${seen.id}/decline`, {});
    const outcome = (await rEvents.next()).value as { id: string; status: string; result: unknown };
    expect(outcome).toMatchObject({ id: created.body.id, status: 'declined', result: { action: 'decline' } });
    await tEvents.return(undefined);
    await rEvents.return(undefined);
  });
});

describe('collaboration streams through the generic events API', () => {
  it.each([
    'flags',
    'elicitation:00000000-0000-0000-0000-000000000000',
    'file:src/app.ts',
    'annotations',
    'context:x',
  ])('an agent cannot append to %s (403 reserved_stream)', async (stream) => {
    const r = await bridge.client('mallory').post<{ error: { code: string } }>('/v1/events', {
      stream,
      events: [{ type: 'FlagRestored', data: { flag: 'elicitation' } }],
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('reserved_stream');
  });
});
