// The chart on the real control plane: install, the operator (run locally with
// the chart's ServiceAccount and environment, since pods on fake nodes run no
// code) brings a sample to Ready using only what the chart's RBAC grants,
// `kubectl auth can-i` checks, invalid values, upgrade, uninstall.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, CoreV1Api, type V1Deployment, type V1ReplicaSet } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { crdsEstablished, eventually } from '../controlplane/wait.js';
import { ChartOperator } from './chart-operator.js';
import { chartDir, repo } from './helm.js';
import { exposedMetricNames } from './metric-names.js';
import { monitoredMetricNames } from './monitoring.js';
import { AuditLog, granted, used, type PolicyRule } from './rbac-usage.js';

const run = promisify(execFile);
const ns = useNamespace('chart');
const bridgesNs = useNamespace('chart-bridges');
const wideNs = useNamespace('chart-wide');
const hardNs = useNamespace('chart-hard');
const release = () => ns();
const fullname = () => `${release()}-lighthouse-operator`;
const sa = () => `system:serviceaccount:${ns()}:${fullname()}`;
const selector = () => `app.kubernetes.io/instance=${release()}`;

let operator: ChartOperator | undefined;
afterAll(async () => {
  await operator?.stop();
  // Cluster-scoped, so the namespace deletion does not take it along.
  await core()
    .deletePersistentVolume({ name: `pv-${bridgesNs()}` })
    .catch(() => {});
});

const apps = () => controlPlane().kubeConfig().makeApiClient(AppsV1Api);
const core = () => controlPlane().kubeConfig().makeApiClient(CoreV1Api);

async function deployment(): Promise<V1Deployment> {
  return apps().readNamespacedDeployment({ name: fullname(), namespace: ns() });
}

async function replicaSets(): Promise<V1ReplicaSet[]> {
  return (await apps().listNamespacedReplicaSet({ namespace: ns(), labelSelector: selector() })).items;
}

/** `kubectl auth can-i … --as=<the chart's ServiceAccount>`: true for yes, false for no. */
async function canI(user: string, ...args: string[]): Promise<boolean> {
  const cp = controlPlane();
  try {
    const { stdout } = await run(cp.bin('kubectl'), ['auth', 'can-i', ...args, `--as=${user}`], {
      env: { ...process.env, KUBECONFIG: cp.kubeconfig },
    });
    return stdout.trim() === 'yes';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    if (e.stdout?.trim() === 'no') return false;
    throw new Error(`kubectl auth can-i ${args.join(' ')}: ${e.stderr ?? String(err)}`);
  }
}

/** The rules the installed chart grants the ServiceAccount (manager ClusterRole + leader-election Role). */
async function installedRules(): Promise<PolicyRule[]> {
  const cp = controlPlane();
  const clusterRole = JSON.parse(
    await cp.kubectl(['get', 'clusterrole', `${fullname()}-manager`, '-o', 'json']),
  ) as { rules: PolicyRule[] };
  const role = JSON.parse(
    await cp.kubectl(['get', 'role', `${fullname()}-leader-election`, '-n', ns(), '-o', 'json']),
  ) as { rules: PolicyRule[] };
  return [...clusterRole.rules, ...role.rules];
}

/**
 * Granted but not used while the embedded and external-database samples converge, each with the code
 * path that needs it (operator/src): a grant missing here and unused fails the test.
 */
const USED_ON_OTHER_PATHS: Record<string, string> = {
  'create autoscaling/horizontalpodautoscalers': 'spec.autoscaling: the HPA is applied',
  'patch autoscaling/horizontalpodautoscalers': 'spec.autoscaling: the HPA is applied',
  'delete autoscaling/horizontalpodautoscalers': 'autoscaling removed: the HPA is pruned',
  'delete policy/poddisruptionbudgets': 'back to one replica: the PDB is pruned',
  'delete networking.k8s.io/networkpolicies': 'networkPolicy removed: pruned',
  'create postgresql.cnpg.io/clusters': 'database.managed: the CNPG Cluster is applied',
  'patch postgresql.cnpg.io/clusters': 'database.managed: the CNPG Cluster is applied',
  'create postgresql.cnpg.io/scheduledbackups': 'database.managed.backup: the ScheduledBackup is applied',
  'patch postgresql.cnpg.io/scheduledbackups': 'database.managed.backup: the ScheduledBackup is applied',
  'delete postgresql.cnpg.io/scheduledbackups': 'backup removed: pruned',
  'create barmancloud.cnpg.io/objectstores': 'database.managed.backup: the ObjectStore is applied',
  'patch barmancloud.cnpg.io/objectstores': 'database.managed.backup: the ObjectStore is applied',
  'delete barmancloud.cnpg.io/objectstores': 'backup removed: pruned',
  'update lighthouse.dev/lighthousebridges/finalizers':
    'ownerReferences with blockOwnerDeletion, checked by the OwnerReferencesPermissionEnforcement admission plugin',
  'update coordination.k8s.io/leases': 'the leader renews its Lease every retry period',
  'delete apps/controllerrevisions': 'more than ten good templates: the oldest are pruned',
  'list core/pods': 'a policy or flag change: the bridge pods are asked which config they loaded',
};

describe('charts/lighthouse on the control plane', () => {
  it('installs: the operator Deployment (2 replicas) and its objects exist, NOTES say what to do next', async () => {
    const cp = controlPlane();
    const out = await cp.helm([
      'install',
      release(),
      chartDir,
      '--namespace',
      ns(),
      '--set',
      `watchNamespaces={${bridgesNs()}}`,
      '--wait',
      '--timeout',
      '120s',
    ]);
    // The demo goes into a watched namespace, or the operator would never see it.
    expect(out).toContain(`kubectl wait -n ${bridgesNs()} --for=condition=Ready lhb/demo`);
    expect(out).toContain(`It manages LighthouseBridge resources in namespaces: ${bridgesNs()}`);

    const d = await deployment();
    expect(d.spec!.replicas).toBe(2);
    expect(d.status!.availableReplicas).toBe(2);
    const kinds = JSON.parse(
      await cp.kubectl([
        'get',
        'serviceaccount,service,poddisruptionbudget,role,rolebinding',
        '-n',
        ns(),
        '-l',
        selector(),
        '-o',
        'json',
      ]),
    ) as { items: { kind: string; metadata: { name: string } }[] };
    expect(kinds.items.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        `PodDisruptionBudget/${fullname()}`,
        `Role/${fullname()}-leader-election`,
        `RoleBinding/${fullname()}-leader-election`,
        `Service/${fullname()}-metrics`,
        `ServiceAccount/${fullname()}`,
      ].sort(),
    );
    await cp.kubectl(['get', 'clusterrole', `${fullname()}-manager`]);
    await cp.kubectl(['get', 'rolebinding', `${fullname()}-manager`, '-n', bridgesNs()]);
    await crdsEstablished((args) => cp.kubectl(args), ['crd/lighthousebridges.lighthouse.dev']);
  }, 180_000);

  it("runs the operator with the chart's identity and environment: two samples become Ready using only granted permissions", async () => {
    const cp = controlPlane();
    const audit = new AuditLog(path.join(cp.logDir, 'audit.log'));
    const from = audit.offset();
    operator = await ChartOperator.start({
      deployment: await deployment(),
      adminKubeconfig: cp.kubeconfig,
      kubectl: (args) => cp.kubectl(args),
      logFile: path.join(cp.logDir, `chart-operator-${ns()}.log`),
    });
    expect(operator.user).toBe(sa());
    expect(operator.env).toMatchObject({
      WATCH_NAMESPACES: bridgesNs(),
      LEADER_ELECTION: 'true',
      LEADER_ELECTION_NAMESPACE: ns(),
      LEADER_ELECTION_ID: fullname(),
    });

    // The storage provisioner nobody runs here: a volume for the embedded store.
    await core().createPersistentVolume({
      body: {
        metadata: { name: `pv-${bridgesNs()}` },
        spec: {
          capacity: { storage: '5Gi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: `/tmp/${bridgesNs()}` },
          claimRef: { namespace: bridgesNs(), name: 'lighthouse-embedded-data' },
          persistentVolumeReclaimPolicy: 'Delete',
        },
      },
    });
    // And the database owner: the Secret the external-database sample names.
    await core().createNamespacedSecret({
      namespace: bridgesNs(),
      body: { metadata: { name: 'lighthouse-db' }, stringData: { uri: 'postgres://u:p@db.example:5432/lh' } },
    });
    for (const sample of ['embedded', 'external-db']) {
      await cp.kubectl([
        'apply',
        '-n',
        bridgesNs(),
        '-f',
        path.join(repo, 'k8s', 'samples', `${sample}.yaml`),
      ]);
    }
    try {
      for (const name of ['lighthouse-embedded', 'lighthouse-external']) {
        await cp.kubectl([
          'wait',
          '-n',
          bridgesNs(),
          '--for=condition=Ready',
          '--timeout=120s',
          `lhb/${name}`,
        ]);
      }
    } catch (err) {
      throw new Error(`${String(err)}\noperator log:\n${operator.logTail()}`);
    }

    const grants = granted(await installedRules());
    // Ready is written before the good template is stored (controllerrevisions get, create, then list):
    // wait for those trailing requests, so the check below does not see them as unused grants.
    const unusedHere = () =>
      [...grants].filter((p) => !used(audit.requests(from, sa())).has(p) && !(p in USED_ON_OTHER_PATHS));
    await eventually(
      'every grant this path needs to be used',
      async () => (unusedHere().length === 0 ? true : undefined),
      { timeoutMs: 30_000 },
    ).catch(() => undefined);
    const requests = audit.requests(from, sa());
    expect(requests.length).toBeGreaterThan(0);
    const refused = requests.filter((e) => e.responseStatus?.code === 403);
    expect(refused.map((e) => `${e.verb} ${e.objectRef?.resource} ${e.objectRef?.namespace ?? ''}`)).toEqual(
      [],
    );
    const calls = used(requests);
    expect([...calls].filter((p) => !grants.has(p))).toEqual([]);
    const unused = [...grants].filter((p) => !calls.has(p)).sort();
    writeFileSync(
      path.join(cp.logDir, `chart-rbac-${ns()}.json`),
      JSON.stringify({ used: [...calls].sort(), unused }, null, 2),
    );
    expect(unused.filter((p) => !(p in USED_ON_OTHER_PATHS))).toEqual([]);
  }, 240_000);

  it('the operator exports every operator metric the alerts and dashboard read', async () => {
    const wanted = [...(await monitoredMetricNames())].filter((n) => !n.startsWith('lighthouse_bridge_'));
    expect(wanted).toContain('controller_runtime_reconcile_errors_total');
    const exposed = exposedMetricNames(await operator!.metrics());
    expect(wanted.filter((n) => !exposed.has(n))).toEqual([]);
  });

  it('lets the ServiceAccount do what the operator needs and refuses the rest (kubectl auth can-i)', async () => {
    const user = sa();
    const b = bridgesNs();
    for (const args of [
      ['patch', 'deployments', '-n', b],
      ['create', 'deployments', '-n', b],
      ['watch', 'lighthousebridges.lighthouse.dev', '-n', b],
      ['patch', 'lighthousebridges.lighthouse.dev', '--subresource=status', '-n', b],
      ['create', 'secrets', '-n', b],
      ['list', 'secrets', '-n', b],
      ['delete', 'horizontalpodautoscalers.autoscaling', '-n', b],
      ['create', 'events', '-n', b],
      ['update', `leases.coordination.k8s.io/${fullname()}`, '-n', ns()],
    ]) {
      expect([args.join(' '), await canI(user, ...args)]).toEqual([args.join(' '), true]);
    }
    for (const args of [
      ['list', 'secrets', '-n', 'default'],
      ['get', 'secrets', '--all-namespaces'],
      ['delete', 'secrets', '-n', b],
      ['update', 'secrets', '-n', b],
      ['create', 'deployments', '-n', 'default'],
      ['delete', 'deployments', '-n', b],
      ['list', 'nodes'],
      ['*', '*'],
      ['*', '*', '-n', b],
      ['create', 'clusterrolebindings'],
      ['create', 'rolebindings', '-n', b],
      ['impersonate', 'users'],
      ['create', 'pods', '-n', b],
      ['update', 'leases.coordination.k8s.io/someone-else', '-n', ns()],
      ['create', 'leases.coordination.k8s.io', '-n', b],
    ]) {
      expect([args.join(' '), await canI(user, ...args)]).toEqual([args.join(' '), false]);
    }
  }, 60_000);

  it('refuses invalid values at install and at upgrade with the schema message, changing nothing', async () => {
    const cp = controlPlane();
    await expect(
      cp.helm(['install', `${release()}-bad`, chartDir, '--namespace', ns(), '--set', 'replicaCount=0']),
    ).rejects.toThrow("at '/replicaCount': minimum: got 0, want 1");
    await expect(
      cp.helm([
        'upgrade',
        release(),
        chartDir,
        '--namespace',
        ns(),
        '--reuse-values',
        '--set',
        'image.pullPolicy=Sometimes',
      ]),
    ).rejects.toThrow("at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'");
    const releases = JSON.parse(await cp.helm(['list', '--namespace', ns(), '--output', 'json'])) as {
      name: string;
      revision: string;
    }[];
    expect(releases.map((r) => [r.name, r.revision])).toEqual([[release(), '1']]);
  }, 60_000);

  it('helm upgrade with a changed value rolls the operator onto a new ReplicaSet', async () => {
    const cp = controlPlane();
    const before = await replicaSets();
    expect(before).toHaveLength(1);
    const out = await cp.helm([
      'upgrade',
      release(),
      chartDir,
      '--namespace',
      ns(),
      '--reuse-values',
      '--set',
      'logLevel=debug',
      '--wait',
      '--timeout',
      '120s',
    ]);
    // Helm never upgrades crds/: the NOTES of an upgrade say how to.
    expect(out).toContain(
      'helm show crds charts/lighthouse | kubectl apply --server-side --force-conflicts -f -',
    );
    await cp.kubectl(['rollout', 'status', '-n', ns(), `deployment/${fullname()}`, '--timeout=120s']);
    const after = await eventually('the old ReplicaSet scaled to 0', async () => {
      const sets = await replicaSets();
      const old = sets.find((s) => s.metadata!.name === before[0]!.metadata!.name);
      return old?.status?.replicas === 0 ? sets : undefined;
    });
    expect(after).toHaveLength(2);
    const fresh = after.find((s) => s.metadata!.name !== before[0]!.metadata!.name)!;
    expect(fresh.status!.readyReplicas).toBe(2);
    const env = fresh.spec!.template!.spec!.containers[0]!.env!;
    expect(env.find((e) => e.name === 'LOG_LEVEL')?.value).toBe('debug');
    expect((await deployment()).metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('2');
  }, 180_000);

  it('with hard anti-affinity, helm upgrade finishes when every node already runs a replica (one fake node)', async () => {
    const cp = controlPlane();
    const hard = hardNs();
    const common = ['--namespace', hard, '--set', `watchNamespaces={${hard}}`, '--wait', '--timeout', '90s'];
    await cp.helm(['install', hard, chartDir, ...common, '--set', 'replicaCount=1,podAntiAffinity=hard']);
    try {
      // A surge pod would need a second node: the rollout must replace the pod in place.
      await cp.helm(['upgrade', hard, chartDir, ...common, '--reuse-values', '--set', 'logLevel=debug']);
      const d = await apps().readNamespacedDeployment({
        name: `${hard}-lighthouse-operator`,
        namespace: hard,
      });
      expect(d.status).toMatchObject({ updatedReplicas: 1, availableReplicas: 1 });
    } finally {
      await cp.helm(['uninstall', hard, '--namespace', hard, '--wait']);
    }
  }, 240_000);

  it('a cluster-wide install (no watchNamespaces) reads Secrets everywhere, but still no nodes and no cluster-admin', async () => {
    const cp = controlPlane();
    const wide = wideNs();
    await cp.helm(['install', wide, chartDir, '--namespace', wide]);
    try {
      const user = `system:serviceaccount:${wide}:${wide}-lighthouse-operator`;
      expect(await canI(user, 'list', 'secrets', '--all-namespaces')).toBe(true);
      expect(await canI(user, 'patch', 'deployments', '-n', 'default')).toBe(true);
      expect(await canI(user, 'list', 'nodes')).toBe(false);
      expect(await canI(user, '*', '*')).toBe(false);
      expect(await canI(user, 'delete', 'secrets', '-n', 'default')).toBe(false);
    } finally {
      await cp.helm(['uninstall', wide, '--namespace', wide, '--wait']);
    }
  }, 120_000);

  it('helm uninstall removes every operator object and keeps the CRD (as Helm does)', async () => {
    const cp = controlPlane();
    await operator?.stop();
    operator = undefined;
    await cp.helm(['uninstall', release(), '--namespace', ns(), '--wait', '--timeout', '120s']);
    // Helm deletes with background propagation: the garbage collector removes the
    // Deployment's ReplicaSets and Pods a moment after `uninstall --wait` returns.
    const leftovers = async () =>
      (
        await cp.kubectl([
          'get',
          'deployment,replicaset,pod,serviceaccount,service,poddisruptionbudget,role,rolebinding,configmap',
          '-n',
          ns(),
          '-l',
          selector(),
          '-o',
          'name',
        ])
      )
        .split('\n')
        .filter(Boolean);
    await eventually('the garbage collector to remove every labelled object', async () =>
      (await leftovers()).length === 0 ? true : undefined,
    ).catch(() => undefined);
    expect(await leftovers()).toEqual([]);
    const cluster = await cp.kubectl(['get', 'clusterrole,clusterrolebinding', '-o', 'name']);
    expect(cluster.split('\n').filter((n) => n.includes(fullname()))).toEqual([]);
    const perNamespace = await cp.kubectl(['get', 'rolebinding', '-n', bridgesNs(), '-o', 'name']);
    expect(perNamespace.split('\n').filter((n) => n.includes(fullname()))).toEqual([]);
    await cp.kubectl(['get', 'crd', 'lighthousebridges.lighthouse.dev']);
  }, 180_000);
});
