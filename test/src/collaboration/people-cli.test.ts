// The commands people run (`lighthouse status`, `elicit`, `flags`, `events
// tail`), as built, against a running bridge: their output, --json, exit
// codes, and the errors they print.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_AGENT } from '@lighthouse/bridge/auth/credentials.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startTestBridge, until, type TestBridge } from '../bridge/harness.js';
import { startRun, type Run } from '../processes/child.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge', 'bin', 'lighthouse.js');
const home = mkdtempSync(path.join(tmpdir(), 'people-cli-'));
const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };

let db: TestDatabase;
let bridge: TestBridge;
let closedUrl: string;

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'bridge', 'dist', 'cli', 'main.js'))) {
    throw new Error('bridge/dist is missing: build first (make test builds; or npx tsc -b bridge)');
  }
  db = await createTestDatabase();
  bridge = await startTestBridge({ databaseUrl: db.url });
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  closedUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise((r) => closed.close(r));
}, 120_000);
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
  rmSync(home, { recursive: true, force: true });
});

/** The environment of `agent` (no config file; URL and credential from the environment). */
function envOf(agent: string | undefined, url = bridge.url): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: home,
    ...(agent ? { LIGHTHOUSE_URL: url, LIGHTHOUSE_CREDENTIAL: bridge.credential(agent) } : {}),
  };
}

/** `lighthouse <args>` with `env`, running (stdin closed: these commands read none). */
const start = (args: string[], env: NodeJS.ProcessEnv) =>
  startRun(process.execPath, [cli, ...args], { env, input: '' });

/** `lighthouse <args>` as `agent` (undefined: no credential nor URL at all). */
const lighthouse = (args: string[], agent: string | undefined, url?: string): Promise<Run> =>
  start(args, envOf(agent, url)).done;

const json = <T>(r: Run): T => {
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as T;
};

describe('lighthouse status', () => {
  it('shows the bridge, who you are to it and a readable summary; --json for scripts', async () => {
    const human = await lighthouse(['status'], 'alice');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^bridge: +${bridge.url} \\(ready\\)$`, 'm'));
    expect(human.stdout).toMatch(/^agent: +alice$/m);
    expect(human.stdout).toMatch(/^store: +pg \(ready\)$/m);
    expect(human.stdout).toMatch(/^policy: +revision \w+, \d+ rules$/m);
    expect(human.stdout).toMatch(/^experts: +0 connected, 0 registered; 0 escalations pending$/m);
    expect(human.stdout).not.toContain('{');

    const value = json<Record<string, unknown>>(await lighthouse(['status', '--json'], 'alice'));
    expect(value).toMatchObject({
      url: bridge.url,
      agentId: 'alice',
      reachable: true,
      ready: true,
      status: { store: { driver: 'pg', ready: true }, escalations: { pending: 0 } },
    });
  });

  it('exits 1 when the bridge cannot be reached, 2 when nothing says where it is', async () => {
    const down = await lighthouse(['status'], 'alice', closedUrl);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain(`bridge:   ${closedUrl} (unreachable)`);

    const unconfigured = await lighthouse(['status'], undefined);
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toMatch(/^lighthouse status: no bridge URL: set LIGHTHOUSE_URL/);
  });
});

describe('lighthouse elicit', () => {
  const ask = (agent: string, ...extra: string[]) =>
    lighthouse(
      ['elicit', 'ask', '--to', 'bob', '--message', 'Deploy?', '--schema', JSON.stringify(schema), ...extra],
      agent,
    );

  it('asks, lists for the target, checks the answer against the schema, and shows the outcome', async () => {
    const asked = json<{ id: string; status: string; from: string; to: string }>(
      await ask('alice', '--json'),
    );
    expect(asked).toMatchObject({ status: 'pending', from: 'alice', to: 'bob' });

    const listed = await lighthouse(['elicit', 'list'], 'bob');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${asked.id}  pending    alice → bob  Deploy?`);

    const wrong = await lighthouse(['elicit', 'accept', asked.id, '--content', '{"ok":"yes"}'], 'bob');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /^lighthouse elicit: bridge answered 422 invalid_content: content does not match the requested schema: \/ok /,
    );
    expect(
      json<{ status: string }>(await lighthouse(['elicit', 'show', asked.id, '--json'], 'alice')),
    ).toMatchObject({ status: 'pending' });

    const accepted = await lighthouse(['elicit', 'accept', asked.id, '--content', '{"ok":true}'], 'bob');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`${asked.id}  accepted`);
    expect(json(await lighthouse(['elicit', 'show', asked.id, '--json'], 'alice'))).toMatchObject({
      status: 'accepted',
      content: { ok: true },
    });
    expect((await lighthouse(['elicit', 'list', '--status', 'pending'], 'bob')).stdout).toBe('none\n');
  });

  it('ask --wait returns once the target declines', async () => {
    const waiting = start(
      [
        'elicit',
        'ask',
        '--to',
        'bob',
        '--message',
        'Merge?',
        '--schema',
        JSON.stringify(schema),
        '--wait',
        '30',
      ],
      envOf('carol'),
    );
    const pending = await until(async () => {
      const r = await bridge
        .client('bob')
        .get<{ elicitations: { id: string; from: string }[] }>('/v1/elicitations?role=target&status=pending');
      return r.body.elicitations.find((e) => e.from === 'carol');
    }, 15_000);
    expect((await lighthouse(['elicit', 'decline', pending.id], 'bob')).code).toBe(0);
    const outcome = await waiting.done;
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(`${pending.id}  declined   carol → bob  Merge?`);
  });

  it('refuses a cancel by the target, bad JSON and missing arguments, each with its exit code', async () => {
    const asked = json<{ id: string }>(await ask('alice', '--json'));
    const byTarget = await lighthouse(['elicit', 'cancel', asked.id], 'bob');
    expect(byTarget.code).toBe(1);
    expect(byTarget.stderr).toMatch(/bridge answered 403 forbidden: only alice may cancel/);
    expect((await lighthouse(['elicit', 'cancel', asked.id], 'alice')).stdout).toContain(
      `${asked.id}  cancelled`,
    );

    const badJson = await lighthouse(
      ['elicit', 'ask', '--to', 'bob', '--message', 'm', '--schema', '{nope'],
      'alice',
    );
    expect([badJson.code, badJson.stderr]).toEqual([2, 'lighthouse elicit: --schema must be JSON\n']);
    const nested = await lighthouse(
      [
        'elicit',
        'ask',
        '--to',
        'bob',
        '--message',
        'm',
        '--schema',
        '{"type":"object","properties":{"a":{"type":"object"}}}',
      ],
      'alice',
    );
    expect(nested.code).toBe(1);
    expect(nested.stderr).toMatch(/bridge answered 400 \w+: .*\/properties\/a/);
    const noId = await lighthouse(['elicit', 'accept'], 'bob');
    expect([noId.code, noId.stderr]).toEqual([
      2,
      'lighthouse elicit: lighthouse elicit accept needs an elicitation id\n',
    ]);
    // Not a number: sent as null, it would quietly become the bridge's default.
    const badTimeout = await lighthouse(
      [
        'elicit',
        'ask',
        '--to',
        'bob',
        '--message',
        'm',
        '--schema',
        JSON.stringify(schema),
        '--timeout',
        'soon',
      ],
      'alice',
    );
    expect([badTimeout.code, badTimeout.stderr]).toEqual([
      2,
      'lighthouse elicit: --timeout must be a positive number of seconds\n',
    ]);
    const badWait = await lighthouse(['elicit', 'show', asked.id, '--wait', 'soon'], 'alice');
    expect([badWait.code, badWait.stderr]).toEqual([2, 'lighthouse elicit: --wait must be 0-300 seconds\n']);
  });
});

describe('lighthouse flags', () => {
  it('kill needs the admin credential, turns the flag off for everyone, and restore undoes it', async () => {
    const notAdmin = await lighthouse(['flags', 'kill', 'elicitation'], 'alice');
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toMatch(/bridge answered 403 forbidden: only the administrator/);

    const killed = await lighthouse(['flags', 'kill', 'elicitation', '--reason', 'incident 42'], ADMIN_AGENT);
    expect([killed.code, killed.stdout]).toEqual([0, 'elicitation: killed\n']);
    await until(async () => {
      const v = json<{ killed: string[] }>(await lighthouse(['flags', 'list', '--json'], 'alice'));
      return v.killed.includes('elicitation') || undefined;
    });
    expect((await lighthouse(['flags', 'list'], 'alice')).stdout).toMatch(
      /^elicitation +on +KILLED {2}\(for you: off\)$/m,
    );
    const refused = await lighthouse(
      ['elicit', 'ask', '--to', 'bob', '--message', 'm', '--schema', JSON.stringify(schema)],
      'alice',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/bridge answered 403 feature_disabled/);

    expect((await lighthouse(['flags', 'restore', 'elicitation'], ADMIN_AGENT)).stdout).toBe(
      'elicitation: restored\n',
    );
    await until(async () => {
      const v = json<{ killed: string[] }>(await lighthouse(['flags', 'list', '--json'], 'alice'));
      return !v.killed.includes('elicitation') || undefined;
    });
    const missing = await lighthouse(['flags', 'kill'], ADMIN_AGENT);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      'lighthouse flags: lighthouse flags kill needs a flag name\n',
    ]);
  });
});

describe('lighthouse events tail', () => {
  it('prints appended events of the asked types live, stops on Ctrl-C, and resumes with --after', async () => {
    const tail = start(['events', 'tail', '--types', 'CliTail', '--json'], envOf('alice'));
    const append = (type: string) =>
      bridge.client('alice').post('/v1/events', { stream: 'cli-tail', events: [{ type, data: { n: 1 } }] });
    // The stream starts at the end: append until the tail, once connected, prints one.
    const stdout = () => tail.stdoutSoFar();
    await until(async () => {
      await append('Other');
      expect((await append('CliTail')).status).toBe(201);
      return stdout().includes('\n') || undefined;
    }, 15_000);
    // A marker appended now ends what this tail must print.
    const marker = await append('CliTail');
    const markerVersion = (marker.body as { version: number }).version;
    const printed = () =>
      stdout()
        .split('\n')
        .slice(0, -1) // complete lines only
        .map((l) => JSON.parse(l) as { checkpoint: string; type: string; stream: string; version: number });
    await until(() => printed().some((e) => e.version === markerVersion) || undefined);
    tail.child.kill('SIGINT');
    const done = await tail.done;
    expect([done.code, done.stderr]).toEqual([0, '']);
    const lines = printed();
    expect(lines.every((e) => e.type === 'CliTail' && e.stream === 'cli-tail')).toBe(true);

    // Resumed after the first one: the same later events, one readable line each.
    const resumed = start(
      ['events', 'tail', '--types', 'CliTail', '--after', lines[0]!.checkpoint],
      envOf('alice'),
    );
    await until(() => resumed.stdoutSoFar().includes(`  cli-tail@${markerVersion}  `) || undefined, 15_000);
    resumed.child.kill('SIGINT');
    const text = (await resumed.done).stdout.trim().split('\n');
    for (const l of text) expect(l).toMatch(/^\S+Z {2}\d+\.\d+ {2}cli-tail@\d+ {2}CliTail$/);
    expect(text.map((l) => l.split('  ')[1])).toEqual(lines.slice(1).map((e) => e.checkpoint));
  });

  it('exits 1 when the bridge closes the stream, naming the checkpoint to resume from', async () => {
    // A bridge that sends one event and then ends the stream, as one shutting down does.
    const event = {
      checkpoint: '7.42',
      stream: 's',
      version: 1,
      type: 'T',
      createdAt: '2026-01-01T00:00:00Z',
    };
    const closing = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify(event)}\n\n`);
    });
    await new Promise<void>((r) => closing.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(closing.address() as { port: number }).port}`;
      const r = await lighthouse(['events', 'tail', '--json'], 'alice', url);
      expect(r).toEqual({
        code: 1,
        stdout: `${JSON.stringify(event)}\n`,
        stderr: "lighthouse events: the bridge's event stream closed; resume with --after 7.42\n",
      });
    } finally {
      await new Promise((r) => closing.close(r));
    }
  });

  it('refuses an unknown subcommand and a malformed checkpoint', async () => {
    const unknown = await lighthouse(['events', 'follow'], 'alice');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^lighthouse events: unknown command "follow"/);
    const bad = await lighthouse(['events', 'tail', '--after', 'yesterday'], 'alice');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^lighthouse events: bridge answered 400/);
  });
});

describe('--help and bad options', () => {
  it.each(['status', 'elicit', 'flags', 'events'])('lighthouse %s --help prints its usage', async (name) => {
    const r = await lighthouse([name, '--help'], undefined);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(new RegExp(`^usage: lighthouse ${name}`));
  });

  it('an unknown option exits 2 and points at --help', async () => {
    const r = await lighthouse(['status', '--bogus'], 'alice');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lighthouse status: .*'--bogus'.*\(see --help\)$/m);
  });
});
