// How the `lighthouse` commands reach the bridge and report its refusals, as
// built: through a reverse proxy serving the bridge at a sub-path (every
// request under the prefix, signed ones too), and one line on stderr for a
// request the bridge, or something in its place, refused.
import { existsSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRun, type Run } from '../processes/child.js';
import { bridgeForSuite, MASTER, until, type TestBridge } from './harness.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge', 'bin', 'lighthouse.js');
const PREFIX = '/lighthouse';
const CUT = '/cut-short';

let bridge: TestBridge;
bridgeForSuite({}, (b) => (bridge = b));

/** The paths the proxy was asked for, in order. */
const asked: string[] = [];
let proxy: Server;
let proxyUrl: string;

/** Forwards a request to the bridge without PREFIX, as nginx's `location /lighthouse/ { proxy_pass http://bridge/; }`. */
function forward(req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(
    new URL(req.url!.slice(PREFIX.length) || '/', bridge.url),
    { method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  res.on('close', () => upstream.destroy()); // a tail stopped by Ctrl-C
  req.pipe(upstream);
}

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'bridge', 'dist', 'cli', 'main.js'))) {
    throw new Error('bridge/dist is missing: build first (make test builds; or npx tsc -b bridge)');
  }
  proxy = createServer((req, res) => {
    asked.push(req.url!);
    if (req.url === PREFIX || req.url!.startsWith(`${PREFIX}/`)) return forward(req, res);
    // An answer cut short on its way: it says JSON, and half of it came.
    if (req.url!.startsWith(`${CUT}/`))
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{"elicitations": [{"id": "');
    // Anything else is the proxy's own page, as for a bridge URL missing the prefix.
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html>\n<h1>404 Not Found</h1>\n</html>\n');
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
});

/** The environment of `agent` at `url`; the admin commands get the master key. */
const envOf = (agent: string, url: string): NodeJS.ProcessEnv => ({
  PATH: '/usr/bin:/bin',
  HOME: tmpdir(),
  XDG_CONFIG_HOME: path.join(tmpdir(), 'lh-cli-requests-no-config'),
  LIGHTHOUSE_URL: url,
  LIGHTHOUSE_CREDENTIAL: bridge.credential(agent),
  LIGHTHOUSE_MASTER_KEY: MASTER.toString(),
});

const start = (args: string[], url: string, agent = 'alice') =>
  startRun(process.execPath, [cli, ...args], { env: envOf(agent, url), input: '' });

const lighthouse = (args: string[], url: string, agent?: string): Promise<Run> =>
  start(args, url, agent).done;

/** What the proxy is asked while `run` runs. */
async function askedDuring(run: () => Promise<unknown>): Promise<string[]> {
  asked.length = 0;
  await run();
  return [...asked];
}

describe('a bridge behind a proxy at a sub-path', () => {
  it.each(['', '/'])('status asks /readyz and /v1/status under the prefix (URL ending %j)', async (end) => {
    const url = `${proxyUrl}${PREFIX}${end}`;
    let r: Run | undefined;
    const paths = await askedDuring(async () => (r = await lighthouse(['status'], url)));
    expect(paths).toEqual([`${PREFIX}/readyz`, `${PREFIX}/v1/status`]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r!.stdout).toContain(`bridge:   ${url} (ready)\n`);
  });

  it('signed requests work through it: signed for the path the bridge receives', async () => {
    const url = `${proxyUrl}${PREFIX}`;
    const tail = start(['events', 'tail', '--types', 'Proxied'], url);
    await until(async () => {
      const event = { stream: 'proxied', events: [{ type: 'Proxied', data: {} }] };
      expect((await bridge.client('alice').post('/v1/events', event)).status).toBe(201);
      return tail.stdoutSoFar().includes('  Proxied\n') || undefined;
    }, 15_000);
    tail.child.kill('SIGINT');
    expect(await tail.done).toMatchObject({ code: 0, stderr: '' });

    expect(await lighthouse(['elicit', 'list'], url)).toEqual({ code: 0, stdout: 'none\n', stderr: '' });
    expect(await lighthouse(['agent', 'revoke', 'proxied-agent'], url)).toEqual({
      code: 0,
      stdout: 'revoked proxied-agent\n',
      stderr: '',
    });
  });

  it('the hook posts under the prefix too: a tool call is decided, not blocked by a 404', async () => {
    const url = `${proxyUrl}${PREFIX}`;
    const call = {
      session_id: 's',
      cwd: tmpdir(),
      hook_event_name: 'PreToolUse',
      tool_name: 'Read',
      tool_input: { file_path: '/work/a.ts' },
    };
    let r: Run | undefined;
    const paths = await askedDuring(
      async () =>
        (r = await startRun(process.execPath, [cli, 'hook', 'pre-tool-use'], {
          env: envOf('alice', url),
          input: JSON.stringify(call),
        }).done),
    );
    expect(paths).toEqual([`${PREFIX}/v1/validate`]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r!.stdout)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'allow' } });
  });

  it.each([
    [['status'], 'status'],
    [['flags', 'list'], 'flags'],
    [['elicit', 'list'], 'elicit'],
    [['events', 'tail'], 'events'],
    [['agent', 'revoke', 'someone'], 'agent revoke'],
    [['expert', 'list'], 'expert list'],
  ])('a URL missing the prefix: %j prints one line, not the proxy page: exit 1', async (args, name) => {
    expect(await lighthouse(args, proxyUrl)).toEqual({
      code: 1,
      stdout: '',
      stderr: `lighthouse ${name}: bridge answered 404 without a Lighthouse error (text/html): check the bridge URL\n`,
    });
  });

  it.each([
    [['status'], 'status'],
    [['elicit', 'list'], 'elicit'],
    [['flags', 'list'], 'flags'],
    [['agent', 'revoke', 'someone'], 'agent revoke'],
    [['expert', 'list'], 'expert list'],
  ])('an answer cut short: %j prints one line, no stack: exit 1', async (args, name) => {
    const r = await lighthouse(args, `${proxyUrl}${CUT}`);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(
      new RegExp(
        `^lighthouse ${name}: bridge answered 200 with JSON that does not parse \\(26 characters: [^\\n]+\\)\\n$`,
      ),
    );
  });
});

describe("the bridge's refusals, one line each", () => {
  it.each([['bad'], ['12abc'], ['=-1'], ['99999999999999999999.1'], ['1.9223372036854775808']])(
    'events tail --after%s: the error code and message, exit 1',
    async (after) => {
      const arg = after.startsWith('=') ? [`--after${after}`] : ['--after', after];
      expect(await lighthouse(['events', 'tail', ...arg], bridge.url)).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'lighthouse events: bridge answered 400 invalid_request: after must be a checkpoint <txid>.<position>\n',
      });
    },
  );

  it('events tail --after -1 is a usage error in one line: exit 2', async () => {
    const r = await lighthouse(['events', 'tail', '--after', '-1'], bridge.url);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(
      /^lighthouse events: Option '--after' argument is ambiguous\. .+ \(see --help\)\n$/,
    );
  });

  it('agent revoke prints the status, code and message like the other commands', async () => {
    expect(await lighthouse(['agent', 'revoke', 'admin'], bridge.url)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'lighthouse agent revoke: bridge answered 400 invalid_request: the admin credential is revoked by rotating the master key\n',
    });
  });
});
