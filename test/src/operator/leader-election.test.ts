// Two operator processes: only the Lease holder reconciles; when it is killed
// the other takes over within the lease duration (15 s) plus a retry period.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoordinationV1Api } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { eventually } from '../controlplane/wait.js';
import { AuditLog, OperatorProcess, startOperatorPair } from './operator-process.js';

const ns = useNamespace('operator-leader');
const ops: OperatorProcess[] = [];

const lease = () =>
  controlPlane()
    .kubeConfig()
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: 'lighthouse-operator', namespace: ns() });

const bridge = (name: string) =>
  JSON.stringify({
    apiVersion: 'lighthouse.dev/v1alpha1',
    kind: 'LighthouseBridge',
    metadata: { name },
    spec: { image: 'registry.invalid/lighthouse:1', database: { external: { secretRef: { name: 'db' } } } },
  });

beforeAll(async () => {
  ops.push(...(await startOperatorPair(controlPlane(), ns(), 'operator')));
}, 120_000);

afterAll(async () => {
  await Promise.all(ops.map((o) => o.stop()));
});

describe('leader election', () => {
  it('only the leader reconciles; killing it hands over within the lease', async () => {
    const cp = controlPlane();
    const holder = await eventually(
      'a lease holder',
      async () => (await lease()).spec?.holderIdentity || undefined,
    );
    const leader = ops.find((o) => o.options.identity === holder)!;
    const standby = ops.find((o) => o !== leader)!;
    // The leader sets its metric once its Lease write has returned: a moment after the holder shows.
    await eventually('the leader to report leadership', async () =>
      (await leader.metric('leader_election_master_status')) === 1 ? true : undefined,
    );
    expect(await standby.metric('leader_election_master_status')).toBe(0);

    const audit = AuditLog.of(cp);
    const from = audit.offset();
    await cp.kubectl(['apply', '-n', ns(), '-f', '-'], { input: bridge('first') });
    await cp.kubectl(['wait', '-n', ns(), '--for=condition=Ready', '--timeout=120s', 'lhb/first']);
    expect(audit.writes(from, leader.options.user).length).toBeGreaterThan(0);
    expect(audit.writes(from, standby.options.user)).toEqual([]);

    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    await eventually(
      'the standby to hold the lease',
      async () => ((await lease()).spec?.holderIdentity === standby.options.identity ? true : undefined),
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    const takeoverMs = Date.now() - killedAt;
    process.stderr.write(
      `leader election: takeover ${takeoverMs} ms after SIGKILL of the leader (lease 15 s, retry 2 s)\n`,
    );
    // The standby polls the Lease every retry period (2 s, plus the request): it sees the leader's last
    // renewal up to one poll after it was written, and takes over at the first poll 15 s (the lease
    // duration, on its own clock) after seeing it: at worst 15 s + 2 × 2 s after the kill, plus each
    // poll's request time, the process's scheduling delays on a busy machine and this test's own polling
    // (200 ms and a read): 6 s for those.
    expect(takeoverMs).toBeLessThanOrEqual(15_000 + 2 * 2_000 + 6_000);
    expect((await lease()).spec!.leaseTransitions).toBeGreaterThanOrEqual(1);

    // The new leader reconciles new work.
    await cp.kubectl(['apply', '-n', ns(), '-f', '-'], { input: bridge('second') });
    await cp.kubectl(['wait', '-n', ns(), '--for=condition=Ready', '--timeout=120s', 'lhb/second']);
    await eventually('the new leader to report leadership', async () =>
      (await standby.metric('leader_election_master_status')) === 1 ? true : undefined,
    );
  }, 200_000);

  it('a leader stopped with SIGTERM releases the lease, so the next one takes over at once', async () => {
    const cp = controlPlane();
    const survivor = ops.find((o) => o.running)!;
    const fresh = await OperatorProcess.start(cp, {
      user: `operator-c-${ns()}`,
      identity: 'operator-c',
      namespaces: [ns()],
      leaderElection: true,
      logFile: path.join(cp.logDir, `operator-c-${ns()}.log`),
    });
    ops.push(fresh);
    const stoppedAt = Date.now();
    expect(await survivor.stop('SIGTERM')).toBe(0);
    await eventually(
      'operator-c to hold the lease',
      async () => ((await lease()).spec?.holderIdentity === 'operator-c' ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const handoverMs = Date.now() - stoppedAt;
    process.stderr.write(`leader election: handover ${handoverMs} ms after SIGTERM (released lease)\n`);
    expect(handoverMs).toBeLessThan(15_000);
  }, 120_000);
});
