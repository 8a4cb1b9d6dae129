// Without CloudNativePG: a managed-database bridge says what to install
// (DatabaseReady=False, CloudNativePGNotInstalled, a Warning event); once the
// CNPG CRDs are installed the operator notices, watches them and creates the
// Cluster. The shared control plane has the CRDs installed, so this file runs
// its own control plane from the same build without the CNPG and Barman Cloud
// CRDs (LIGHTHOUSE_CONTROLPLANE_DIR pointed at a copy without them).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { locateBuild } from '../controlplane/binaries.js';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { crdsEstablished, eventually } from '../controlplane/wait.js';
import { CRD_FILE, installCrd, OperatorProcess, sample } from './operator-process.js';

const run = promisify(execFile);
let cp: ControlPlane;
let operator: OperatorProcess;
let cnpgCrds: string[];
let buildCopy: string;

const kubectl = async (args: string[]) =>
  (await run(cp.build.bin.kubectl, [`--kubeconfig=${cp.kubeconfig}`, ...args], { maxBuffer: 64 << 20 }))
    .stdout;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
const conditions = async () =>
  (
    JSON.parse(await kubectl(['get', 'lhb', 'lighthouse-managed', '-n', 'default', '-o', 'json'])) as {
      status?: { conditions?: Condition[] };
    }
  ).status?.conditions ?? [];

beforeAll(async () => {
  const build = locateBuild();
  cnpgCrds = build.crdFiles.filter((f) => /cnpg\.io_/.test(path.basename(f)));
  expect(cnpgCrds.length).toBeGreaterThan(0);
  // The same binaries and kwok stages, no CRDs.
  buildCopy = mkdtempSync(path.join(os.tmpdir(), 'lighthouse-build-nocrds-'));
  for (const entry of readdirSync(build.dir)) {
    if (entry !== 'crds') symlinkSync(path.join(build.dir, entry), path.join(buildCopy, entry));
  }
  // Every third-party CRD but CloudNativePG's and Barman Cloud's, and ours (the harness applies at least one).
  mkdirSync(path.join(buildCopy, 'crds'));
  for (const f of [...build.crdFiles.filter((f) => !cnpgCrds.includes(f)), CRD_FILE]) {
    symlinkSync(f, path.join(buildCopy, 'crds', path.basename(f)));
  }
  const previous = process.env.LIGHTHOUSE_CONTROLPLANE_DIR;
  process.env.LIGHTHOUSE_CONTROLPLANE_DIR = buildCopy;
  try {
    cp = await startControlPlane();
  } finally {
    if (previous === undefined) delete process.env.LIGHTHOUSE_CONTROLPLANE_DIR;
    else process.env.LIGHTHOUSE_CONTROLPLANE_DIR = previous;
  }
  await installCrd({ kubectl: (args) => kubectl(args) });
  operator = await OperatorProcess.start(cp, {
    user: 'operator-cnpg-missing',
    namespaces: ['default'],
    discoverySeconds: 2,
    logFile: path.join(cp.logDir, 'operator.log'),
  });
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await cp?.stop();
  if (buildCopy) rmSync(buildCopy, { recursive: true, force: true });
});

describe('CloudNativePG not installed', () => {
  it('says what to install, then creates the Cluster once the CRDs appear', async () => {
    await kubectl(['apply', '-n', 'default', '-f', sample('managed-cnpg')]);
    const db = await eventually('DatabaseReady with a reason', async () =>
      (await conditions()).find((c) => c.type === 'DatabaseReady'),
    );
    expect(db).toMatchObject({ status: 'False', reason: 'CloudNativePGNotInstalled' });
    expect(db.message).toMatch(/install the CloudNativePG operator/);
    expect((await conditions()).find((c) => c.type === 'Ready')).toMatchObject({ status: 'False' });
    // The event is posted after the status write, unawaited.
    const types = await eventually('the CloudNativePGNotInstalled event', async () => {
      const events = JSON.parse(
        await kubectl([
          'get',
          'events',
          '-n',
          'default',
          '--field-selector',
          'reason=CloudNativePGNotInstalled',
          '-o',
          'json',
        ]),
      ) as { items: { type: string }[] };
      return events.items.length > 0 ? events.items.map((e) => e.type) : undefined;
    });
    expect(types).toContain('Warning');
    // The rest of the bridge is there regardless.
    expect(
      await kubectl(['get', 'deployment', 'lighthouse-managed-bridge', '-n', 'default', '-o', 'name']),
    ).toContain('lighthouse-managed-bridge');

    await kubectl(['apply', '--server-side', ...cnpgCrds.flatMap((f) => ['-f', f])]);
    await crdsEstablished(
      kubectl,
      cnpgCrds.flatMap((f) => ['-f', f]),
    );
    await eventually(
      'the Cluster to be created',
      async () =>
        (await kubectl(['get', 'clusters.postgresql.cnpg.io', '-n', 'default', '-o', 'name'])).includes(
          'lighthouse-managed-db',
        ),
      { timeoutMs: 60_000 },
    );
    const after = await eventually('DatabaseReady to move on from CloudNativePGNotInstalled', async () => {
      const c = (await conditions()).find((x) => x.type === 'DatabaseReady');
      return c && c.reason !== 'CloudNativePGNotInstalled' ? c : undefined;
    });
    expect(after.status).toBe('False');
    expect(['ClusterCreating', 'ClusterNotReady']).toContain(after.reason);
  }, 180_000);
});
