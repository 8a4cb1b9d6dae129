// Clock skew: an agent whose clock is 10 minutes off is refused with 401
// `stale_timestamp` (both directions), and the `lighthouse hook pre-tool-use`
// CLI run with such a clock blocks the tool with a message naming the reason.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseCredential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { writeClientConfig } from '@lighthouse/bridge/hook/client-config.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startTestBridge, type TestBridge } from '../bridge/harness.js';
import { runCommand, type Run } from '../processes/child.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge', 'bin', 'lighthouse.js');
const home = mkdtempSync(path.join(tmpdir(), 'skew-home-'));
const SKEW_S = 600;

/** A preload that moves the CLI process's clock (Date.now) by `offsetS`: the test's stand-in for a wrong system clock. */
const skewedClock = (offsetS: number) =>
  `data:text/javascript,const real=Date.now;Date.now=()=>real()+(${offsetS * 1000});`;

let db: TestDatabase;
let bridge: TestBridge;

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'bridge', 'dist', 'cli', 'hook.js'))) {
    throw new Error('bridge/dist is missing: build first (make test builds; or npx tsc -b bridge)');
  }
  db = await createTestDatabase();
  bridge = await startTestBridge({ databaseUrl: db.url });
  writeClientConfig(bridge.url, bridge.credential('skewed-agent'), { XDG_CONFIG_HOME: home });
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await db?.drop();
  rmSync(home, { recursive: true, force: true });
});

async function validateAt(offsetS: number): Promise<{ status: number; code: string | undefined }> {
  const cred = parseCredential(bridge.credential('skewed-agent'));
  const body = JSON.stringify({ tool: 'Read', input: { file_path: '/work/a' } });
  const now = Math.floor(Date.now() / 1000) + offsetS;
  const res = await fetch(`${bridge.url}/v1/validate`, {
    method: 'POST',
    headers: {
      ...signedHeaders(cred, 'POST', '/v1/validate', body, now),
      'content-type': 'application/json',
    },
    body,
  });
  const json = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: json.error?.code };
}

function hookWithClock(offsetS: number): Promise<Run> {
  return runCommand(process.execPath, ['--import', skewedClock(offsetS), cli, 'hook', 'pre-tool-use'], {
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: home },
    input: JSON.stringify({
      session_id: 's',
      cwd: '/work',
      hook_event_name: 'PreToolUse',
      tool_name: 'Read',
      tool_input: { file_path: '/work/a' },
    }),
  });
}

describe('clock skew', () => {
  it.each([
    ['behind', -SKEW_S],
    ['ahead', SKEW_S],
  ])('a signature made 10 minutes %s is refused with 401 stale_timestamp', async (_, offset) => {
    expect(await validateAt(offset)).toEqual({ status: 401, code: 'stale_timestamp' });
  });

  it('the same agent with a correct clock is served', async () => {
    expect((await validateAt(0)).status).toBe(200);
  });

  it('the hook CLI with a clock 10 minutes behind blocks the tool and says why', async () => {
    const run = await hookWithClock(-SKEW_S);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('HTTP 401 stale_timestamp');
    expect(run.stderr).toContain("this machine's clock is off");
    expect(run.stderr).toContain('tool call blocked');
  }, 30_000);

  it('the same CLI with its clock restored is allowed (the preload is what skews it)', async () => {
    const run = await hookWithClock(0);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).hookSpecificOutput.permissionDecision).toBe('allow');
  }, 30_000);
});
