// The `lighthouse` CLI around the bridge, as child processes: `run` (embedded
// store, generated key), `agent issue [--hook]|revoke` (and revoke with no bridge),
// metrics and status of a running bridge, and SIGTERM letting an in-flight
// request finish.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { createTestDatabase, freePort, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';

const cli = fileURLToPath(new URL('../../../bridge/bin/lighthouse.js', import.meta.url));
const MASTER = 'cli-test-master-key-0123456789abcdef012345';

let db: TestDatabase;
let work: string;
beforeAll(async () => {
  db = await createTestDatabase();
  work = mkdtempSync(path.join(tmpdir(), 'lh-cli-'));
});
afterAll(async () => {
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

function lighthouse(
  args: string[],
  env: Record<string, string> = {},
  cwd = work,
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd,
    // XDG_CONFIG_HOME: `run` writes the CLI config there, not into the tester's ~/.config.
    env: {
      ...process.env,
      LIGHTHOUSE_MASTER_KEY: '',
      LIGHTHOUSE_MASTER_KEY_FILE: '',
      XDG_CONFIG_HOME: path.join(work, 'config'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

async function finished(
  child: ChildProcess & { output: () => string },
): Promise<{ code: number; out: string }> {
  // 'close', not 'exit': only then has all its output been read.
  const [code] = (await once(child, 'close')) as [number];
  return { code, out: child.output() };
}

async function waitReady(url: string, deadlineMs = 120_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} not ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The local IPv4 addresses a TCP port is listening on, from /proc/net/tcp. */
function listeningAddresses(port: number): string[] {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && Number.parseInt(f[1]!.split(':')[1]!, 16) === port)
    .map((f) => {
      const hex = f[1]!.split(':')[0]!;
      return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');
    });
}

describe('lighthouse run', () => {
  it('starts on the embedded store with a generated 0600 key and prints a working credential and hook token', async () => {
    const port = await freePort();
    const child = lighthouse(['run'], { PORT: String(port), LOG_LEVEL: 'warn' });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitReady(url);
      // With no HOST it listens on loopback only, not on every interface.
      expect(listeningAddresses(port)).toEqual(['127.0.0.1']);
      const keyFile = path.join(work, '.lighthouse', 'master.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const credential = /LIGHTHOUSE_CREDENTIAL=(lh1\.claude\.[A-Za-z0-9_-]{43})/.exec(child.output())?.[1];
      expect(credential).toBeDefined();
      const hookToken = /LIGHTHOUSE_HOOK_TOKEN=(lhh1\.claude\.[A-Za-z0-9_-]{43})/.exec(child.output())?.[1];
      expect(hookToken).toBeDefined();
      // The printed settings, used as Claude Code would: each entry POSTed with the hook token.
      const printed = child.output().slice(child.output().indexOf('\n  {\n'));
      const settings = JSON.parse(printed.slice(0, printed.indexOf('\n  }\n') + 4)) as {
        hooks: Record<
          string,
          { hooks: { url: string; headers: Record<string, string>; allowedEnvVars: string[] }[] }[]
        >;
      };
      for (const [event, expected] of [
        ['PreToolUse', { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow' } }],
        ['PostToolUse', {}],
      ] as const) {
        const hook = settings.hooks[event]![0]!.hooks[0]!;
        // Claude Code substitutes only the variables listed: the hook token, never the signing credential.
        expect(hook.allowedEnvVars).toEqual(['LIGHTHOUSE_HOOK_TOKEN']);
        const res = await fetch(hook.url, {
          method: 'POST',
          headers: {
            authorization: hook.headers['Authorization']!.replace('$LIGHTHOUSE_HOOK_TOKEN', hookToken!),
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            session_id: 's-1',
            cwd: work,
            hook_event_name: event,
            tool_name: 'Read',
            tool_input: { file_path: `${work}/a.txt` },
            tool_use_id: 'toolu_1',
          }),
        });
        expect([event, res.status]).toEqual([event, 200]);
        expect(await res.json()).toMatchObject(expected);
      }
      const cliCredential = path.join(work, 'config', 'lighthouse', 'credential');
      expect(statSync(cliCredential).mode & 0o777).toBe(0o600);
      const res = await new BridgeClient({ url, credential: credential! }).post('/v1/validate', {
        tool: 'Read',
        input: { file_path: `${work}/a.txt` },
      });
      expect(res.status).toBe(200);
      // `agent issue` finds the same local key.
      const issued = await finished(lighthouse(['agent', 'issue', 'claude']));
      expect(issued).toEqual({ code: 0, out: `${credential}\n` });
      const issuedHook = await finished(lighthouse(['agent', 'issue', 'claude', '--hook']));
      expect(issuedHook).toEqual({ code: 0, out: `${hookToken}\n` });
      // The CLI config it wrote is what a later command uses, with nothing in the environment.
      const none = { LIGHTHOUSE_URL: '', LIGHTHOUSE_CREDENTIAL: '', LIGHTHOUSE_CREDENTIAL_FILE: '' };
      const status = await finished(lighthouse(['status', '--json'], none, '/'));
      expect(status.code).toBe(0);
      expect(JSON.parse(status.out)).toMatchObject({ url, agentId: 'claude', reachable: true, ready: true });
    } finally {
      child.kill('SIGTERM');
      expect((await once(child, 'exit'))[0]).toBe(0);
    }
  }, 180_000);
});

describe('lighthouse serve and agent', () => {
  it('revokes through the CLI, exports real metrics and status, and drains on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { LIGHTHOUSE_MASTER_KEY: MASTER, LIGHTHOUSE_URL: url };
    const child = lighthouse(['serve'], {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LIGHTHOUSE_DATABASE_URL: db.url,
      LIGHTHOUSE_ESCALATION_TIMEOUT_MS: '1500',
      // Longer than the test: the stop below must not depend on the forced close.
      SHUTDOWN_TIMEOUT_MS: '600000',
    });
    await waitReady(url);
    const issued = await finished(lighthouse(['agent', 'issue', 'frank'], env));
    expect(issued.code).toBe(0);
    const frank = new BridgeClient({ url, credential: issued.out.trim() });
    expect((await frank.post('/v1/validate', { tool: 'Read', input: { file_path: '/w/a' } })).status).toBe(
      200,
    );
    expect(
      (await frank.post('/v1/validate', { tool: 'Read', input: { file_path: '/w/a' } })).body,
    ).toMatchObject({ tier: 'cache' });

    const status = await frank.get<Record<string, unknown>>('/v1/status');
    expect(status.body).toMatchObject({
      store: { driver: 'pg', ready: true },
      cache: { hits: 1, misses: 1, hitRatio: 0.5 },
      escalations: { pending: 0 },
    });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const name of [
      'lighthouse_bridge_validations_total{decision="allow",tier="cache"} 1',
      'lighthouse_bridge_validation_duration_seconds_bucket',
      'lighthouse_bridge_cache_hits_total 1',
      'lighthouse_bridge_cache_misses_total 1',
      'lighthouse_bridge_escalations_pending 0',
      'lighthouse_bridge_experts_connected 0',
      'lighthouse_bridge_events_appended_total 2',
      'lighthouse_bridge_event_append_duration_seconds_count 2',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(metrics).toContain(name);
    }

    // `agent issue --hook` prints the token the Claude Code endpoint takes.
    const frankHook = await finished(lighthouse(['agent', 'issue', 'frank', '--hook'], env));
    expect(frankHook.code).toBe(0);
    const hook = () =>
      fetch(`${url}/v1/hooks/claude-code`, {
        method: 'POST',
        headers: { authorization: `Bearer ${frankHook.out.trim()}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          hook_event_name: 'PreToolUse',
          tool_name: 'Read',
          tool_input: { file_path: '/w/a' },
        }),
      }).then(async (r) => [r.status, await r.json()]);
    expect(await hook()).toEqual([
      200,
      { hookSpecificOutput: expect.objectContaining({ permissionDecision: 'allow' }) },
    ]);

    const revoked = await finished(lighthouse(['agent', 'revoke', 'frank'], env));
    expect(revoked).toEqual({ code: 0, out: 'revoked frank\n' });
    const refused = await frank.post<{ error: { code: string } }>('/v1/validate', {
      tool: 'Read',
      input: {},
    });
    expect([refused.status, refused.body.error.code]).toEqual([401, 'revoked']);
    expect(await hook()).toEqual([401, { error: expect.objectContaining({ code: 'revoked' }) }]);

    // An escalation in flight when SIGTERM arrives still gets its answer (a block after the timeout).
    const other = new BridgeClient({
      url,
      credential: (await finished(lighthouse(['agent', 'issue', 'gina'], env))).out.trim(),
    });
    // An open event stream (SSE) is ended by the stop instead of holding it up.
    const stream = await other.fetch('GET', '/v1/events/stream');
    const streamEnded = stream.text();
    const inFlight = other.post<Record<string, unknown>>('/v1/validate', {
      tool: 'Bash',
      input: { command: 'systemctl restart x' },
    });
    // SIGTERM once the validation is in flight: its escalation is pending (or,
    // on a machine too slow to see that, already over).
    let answered = false;
    void inFlight.then(
      () => (answered = true),
      () => (answered = true),
    );
    while (
      !answered &&
      !(await (await fetch(`${url}/metrics`)).text()).includes('lighthouse_bridge_escalations_pending 1')
    )
      await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    expect((await inFlight).body).toMatchObject({ decision: 'block', reason: 'escalation_timeout' });
    await streamEnded;
    expect((await once(child, 'exit'))[0]).toBe(0);
  }, 120_000);

  it('agent revoke with the bridge unreachable names the URL and the cause: exit 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const res = await finished(
      lighthouse(['agent', 'revoke', 'frank'], { LIGHTHOUSE_MASTER_KEY: MASTER, LIGHTHOUSE_URL: url }),
    );
    expect(res).toEqual({
      code: 1,
      out: `lighthouse agent revoke: bridge unreachable at ${url} (ECONNREFUSED)\n`,
    });
  });

  it('agent revoke and expert list refuse a LIGHTHOUSE_URL that is not http(s): exit 2', async () => {
    const env = { LIGHTHOUSE_MASTER_KEY: MASTER, LIGHTHOUSE_URL: 'localhost:8765' };
    expect(await finished(lighthouse(['agent', 'revoke', 'frank'], env))).toEqual({
      code: 2,
      out: 'lighthouse agent: LIGHTHOUSE_URL: localhost:8765 is not an http:// or https:// URL\n',
    });
    expect(await finished(lighthouse(['expert', 'list'], env))).toEqual({
      code: 2,
      out: 'lighthouse expert: LIGHTHOUSE_URL: localhost:8765 is not an http:// or https:// URL\n',
    });
  });

  it('agent issue --hook refuses the admin, and --hook goes only with issue: exit 2', async () => {
    const env = { LIGHTHOUSE_MASTER_KEY: MASTER };
    expect(await finished(lighthouse(['agent', 'issue', 'admin', '--hook'], env))).toEqual({
      code: 2,
      out: 'lighthouse agent: "admin" has no hook token\n',
    });
    expect(await finished(lighthouse(['agent', 'revoke', 'frank', '--hook'], env))).toEqual({
      code: 2,
      out: 'lighthouse agent: --hook only goes with issue (see --help)\n',
    });
  });

  it('agent issue without a master key fails in one line', async () => {
    const res = await finished(
      lighthouse(['agent', 'issue', 'x'], {}, mkdtempSync(path.join(work, 'nokey-'))),
    );
    expect(res.code).toBe(2);
    expect(res.out).toMatch(/^lighthouse agent: LIGHTHOUSE_MASTER_KEY: required/);
    // and where the key of `lighthouse run` was looked for
    expect(res.out).toMatch(/no key of `lighthouse run` at \S+master\.key: run this where/);
  });
});
