// /readyz tells which policy.yaml + flags.yaml a bridge has applied, so the
// operator can confirm a hot-reloaded change; a file the bridge refuses does not count.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configRevision } from '@lighthouse/bridge/config/config-revision.js';
import { DEFAULT_POLICY_YAML } from '@lighthouse/bridge/policy/index.js';
import { startTestBridge, until, type TestBridge } from './harness.js';

describe('the applied configuration revision on /readyz', () => {
  let work: string;
  let configDir: string;
  let bridge: TestBridge;
  const readyz = async () =>
    (await (await fetch(`${bridge.url}/readyz`)).json()) as { status: string; configRevision: string };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'lh-config-'));
    configDir = path.join(work, 'config');
    mkdirSync(configDir);
    writeFileSync(path.join(configDir, 'flags.yaml'), 'heuristics:\n  mode: "on"\n');
    bridge = await startTestBridge(
      { dataDir: path.join(work, 'data') },
      { LIGHTHOUSE_CONFIG_DIR: configDir },
    );
  }, 120_000);

  afterAll(async () => {
    await bridge?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('is the hash of the files it loaded (no policy.yaml: the default policy)', async () => {
    expect(await readyz()).toEqual({
      status: 'ready',
      configRevision: configRevision({ flags: 'heuristics:\n  mode: "on"\n' }),
    });
  });

  it('follows a new policy.yaml once loaded, and ignores one the bridge refuses', async () => {
    const flags = 'heuristics:\n  mode: "on"\n';
    writeFileSync(path.join(configDir, 'policy.yaml'), DEFAULT_POLICY_YAML);
    const applied = configRevision({ policy: DEFAULT_POLICY_YAML, flags });
    // A change applies once two 1 s polls have read it: more than until's default on a loaded machine.
    await until(async () => ((await readyz()).configRevision === applied ? true : undefined), 15_000);

    writeFileSync(path.join(configDir, 'policy.yaml'), 'rules: [{ id: 1 }]\n');
    // Give the poller (1 s) time to read and refuse it: the applied revision stays.
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await readyz()).configRevision).toBe(applied);
  });
});
