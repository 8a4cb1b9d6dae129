// Fail closed: when PostgreSQL goes away, no tool call is ever allowed — in the
// middle of a request (an escalation outstanding), on the Claude Code hook, and
// on a fresh signed request. When it comes back, the bridge serves again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startPostgres, type PostgresServer } from '@lighthouse/bridge/testing/postgres.js';
import { startTestBridge, until, type TestBridge } from './harness.js';

let pg: PostgresServer;
let bridge: TestBridge;

beforeAll(async () => {
  pg = await startPostgres();
  bridge = await startTestBridge({ databaseUrl: pg.url }, { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: '1500' });
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  pg?.stop();
});

const hookBody = (command: string) =>
  JSON.stringify({
    session_id: 's',
    cwd: '/work',
    hook_event_name: 'PreToolUse',
    tool_name: 'Bash',
    tool_input: { command },
  });

describe('fail closed', () => {
  it('blocks a validation whose store dies while it waits, and never allows while the store is down', async () => {
    const agent = bridge.client('agent-fc');
    // Warm the cache with an allowed call: a cache hit must not bypass the durable record either.
    const warm = await fetch(`${bridge.url}/v1/hooks/claude-code`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bridge.hookToken('agent-fc')}`,
        'content-type': 'application/json',
      },
      body: hookBody('git status'),
    });
    expect(
      ((await warm.json()) as { hookSpecificOutput: { permissionDecision: string } }).hookSpecificOutput
        .permissionDecision,
    ).toBe('allow');

    // An escalation nobody answers: authenticated and in flight when the server is killed.
    const inFlight = agent.post<Record<string, unknown>>('/v1/validate', {
      tool: 'Bash',
      input: { command: 'systemctl stop nginx' },
    });
    await until(() => (bridge.services.escalations.pendingCount > 0 ? true : undefined));
    pg.kill('immediate');

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decision: 'block', reason: 'internal_error', tier: 'error' });

    // The Claude Code hook (no nonce to check) still decides, and denies — even the cached allow.
    for (const command of ['git status', 'ls -la']) {
      const hook = await fetch(`${bridge.url}/v1/hooks/claude-code`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${bridge.hookToken('agent-fc')}`,
          'content-type': 'application/json',
        },
        body: hookBody(command),
      });
      expect(hook.status).toBe(200);
      const out = (await hook.json()) as {
        hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
      };
      expect(out.hookSpecificOutput.permissionDecision).toBe('deny');
      expect(out.hookSpecificOutput.permissionDecisionReason).toContain('internal_error');
    }

    // A signed request cannot have its nonce checked: refused as unavailable, not decided.
    const signed = await agent.post<{ error: { code: string } }>('/v1/validate', {
      tool: 'Read',
      input: { file_path: '/work/a' },
    });
    expect(signed.status).toBe(503);
    expect(signed.body.error.code).toBe('store_unavailable');
    expect(signed.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${bridge.url}/readyz`)).status).toBe(503);

    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/lighthouse_bridge_validations_total\{decision="block",tier="error"\} [3-9]/);
  }, 60_000);

  it('serves again once PostgreSQL is back', async () => {
    pg.start();
    await until(
      async () => ((await fetch(`${bridge.url}/readyz`)).status === 200 ? true : undefined),
      20_000,
    );
    const res = await bridge
      .client('agent-fc')
      .post<Record<string, unknown>>('/v1/validate', { tool: 'Read', input: { file_path: '/work/a' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decision: 'allow' });
  }, 60_000);

  it('a PostgreSQL that is alive but does not answer makes /readyz 503, not a hang; ready again when it answers', async () => {
    // Every process of the server stopped (SIGSTOP), as a frozen host or a stuck disk would leave it.
    const postmaster = Number(readFileSync(path.join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false; // exited meanwhile
        }
      })
      .map(Number);
    const server = [postmaster, ...children];
    for (const pid of server) process.kill(pid, 'SIGSTOP');
    try {
      const readyz = await fetch(`${bridge.url}/readyz`, { signal: AbortSignal.timeout(15_000) });
      expect(readyz.status).toBe(503);
    } finally {
      for (const pid of server) process.kill(pid, 'SIGCONT');
    }
    await until(
      async () => ((await fetch(`${bridge.url}/readyz`)).status === 200 ? true : undefined),
      20_000,
    );
  }, 60_000);
});
