// The Helm chart without a cluster: lint, the CRDs are the repository's own,
// the values schema refuses bad values with its message, the operator
// Deployment and RBAC say what the contract says, and the plain manifests in
// k8s/ are exactly what the chart renders.
import { lstatSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';

import { MANIFESTS, chartDir, helm, repo } from './helm.js';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Binding extends K8sObject {
  roleRef: { name: string };
}
interface Container {
  image: string;
  env: { name: string; value?: string }[];
  ports: unknown[];
  securityContext: unknown;
  livenessProbe: { httpGet: unknown };
  readinessProbe: { httpGet: unknown };
  resources: { limits: { memory: string } };
}
interface Deployment extends K8sObject {
  spec: {
    replicas: number;
    template: {
      spec: {
        securityContext: unknown;
        affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: unknown[] } };
        containers: Container[];
      };
    };
  };
}
interface AlertRule {
  alert: string;
  expr: string;
  annotations: { description: string };
}
interface PrometheusRule extends K8sObject {
  spec: { groups: { rules: AlertRule[] }[] };
}

const MONITORING =
  'metrics.serviceMonitor.enabled=true,prometheusRule.enabled=true,grafanaDashboard.enabled=true';

async function render(...set: string[]): Promise<K8sObject[]> {
  return renderRelease('lh', ...set);
}

async function renderRelease(release: string, ...set: string[]): Promise<K8sObject[]> {
  const args = ['template', release, chartDir, '--namespace', 'lh-system'];
  for (const s of set) args.push('--set', s);
  return parseAllDocuments(await helm(args))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const find = (objects: K8sObject[], kind: string, name?: string) => {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0]!;
};

describe('charts/lighthouse', () => {
  it('passes helm lint --strict, with monitoring on and off', async () => {
    for (const set of [[], ['--set', `${MONITORING},watchNamespaces={a,b}`]]) {
      const out = await helm(['lint', '--strict', chartDir, ...set]);
      expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(out).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it('ships the CRDs of crds/ itself (a symlink), so the chart cannot drift from them', async () => {
    const link = path.join(chartDir, 'crds');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(path.join(repo, 'crds')));
    const rendered = parseAllDocuments(await helm(['template', 'lh', chartDir, '--include-crds']))
      .map((d) => d.toJS() as K8sObject)
      .filter((o) => o?.kind === 'CustomResourceDefinition');
    const files = readdirSync(path.join(repo, 'crds')).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    const expected = files.flatMap((f) =>
      parseAllDocuments(readFileSync(path.join(repo, 'crds', f), 'utf8')).map((d) => d.toJS() as K8sObject),
    );
    expect(rendered).toEqual(expected);
  });

  it.each([
    ['replicaCount=0', "at '/replicaCount': minimum: got 0, want 1"],
    [
      'image.pullPolicy=Sometimes',
      "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'",
    ],
    ['watchNamespaces={Bad_Name}', "at '/watchNamespaces/0'"],
    ['resources.requests.cpu=lots', "at '/resources/requests/cpu'"],
    ['replicas=3', "additional properties 'replicas' not allowed"],
    ['prometheusRule.cacheHitRatio=95', "at '/prometheusRule/cacheHitRatio': maximum: got 95, want 1"],
    ['image.digest=sha256:abc', "at '/image/digest'"],
    // Combinations the schema cannot express: refused by the templates, saying why.
    [
      'replicaCount=3,leaderElection.enabled=false',
      'replicaCount 3 needs leaderElection.enabled=true: without a Lease every replica reconciles',
    ],
    [
      'podDisruptionBudget.minAvailable=2',
      'podDisruptionBudget.minAvailable 2 must be below replicaCount 2, or no operator pod could ever be evicted',
    ],
    ['fullnameOverride=Bad_Name', "at '/fullnameOverride'"],
    ['affinity.nodeAfinity.x=y', "additional properties 'nodeAfinity' not allowed"],
    [
      'topologySpreadConstraints[0].maxSkew=0,topologySpreadConstraints[0].topologyKey=zone,topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule',
      "at '/topologySpreadConstraints/0/maxSkew': minimum: got 0, want 1",
    ],
    ['extraEnv[0].value=x', "at '/extraEnv/0': missing property 'name'"],
    [
      'extraEnv[0].name=LOG_LEVEL,extraEnv[0].value=debug',
      'extraEnv[0]: LOG_LEVEL is set by the chart (from watchNamespaces, leaderElection, metrics.port, logLevel or the pod); set those values instead',
    ],
  ])('refuses %s with the schema message', async (set, message) => {
    await expect(render(set)).rejects.toThrow(message);
  });

  it('runs the operator as the contract says: 2 replicas, leader election, non-root, probes on its health port', async () => {
    const objects = await render();
    const deployment = find(objects, 'Deployment') as Deployment;
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    const [container] = pod.containers;
    expect(container!.image).toBe('localhost/lighthouse-operator:0.1.0');
    expect(container!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const env = Object.fromEntries(container!.env.map((e) => [e.name, e]));
    expect(env.LEADER_ELECTION?.value).toBe('true');
    expect(env.WATCH_NAMESPACES?.value).toBe('');
    expect(env.LEADER_ELECTION_ID?.value).toBe('lh-lighthouse-operator');
    // The probes hit the port the image's HEALTHCHECK uses (operator/Dockerfile: METRICS_PORT=8080).
    expect(env.METRICS_PORT?.value).toBe('8080');
    expect(readFileSync(path.join(repo, 'operator', 'Dockerfile'), 'utf8')).toContain('METRICS_PORT=8080');
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(container!.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(container!.resources.limits.memory).toBe('256Mi');
    expect(find(objects, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 });
    expect(find(objects, 'Service').spec).toMatchObject({ ports: [{ name: 'metrics', port: 8080 }] });
    // Monitoring objects only when asked for.
    expect(objects.map((o) => o.kind)).not.toContain('PrometheusRule');
  });

  it('names every Service with a valid DNS-1035 label, even for the longest release name Helm allows', async () => {
    // Helm allows 53 characters; the metrics Service's suffix must still fit in 63.
    const release = 'platform-team-agent-coordination-production-eu-west-1';
    expect(release).toHaveLength(53);
    const objects = await renderRelease(release);
    const services = objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name);
    expect(services).toEqual(['platform-team-agent-coordination-production-eu-west-1-l-metrics']);
    for (const name of services) expect(name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    // Short names keep their usual form.
    expect(find(await render(), 'Service').metadata.name).toBe('lh-lighthouse-operator-metrics');
  });

  it('sets no resources when they are unset (resources=null): the namespace LimitRange or a VPA decides', async () => {
    const deployment = find(await render('resources=null'), 'Deployment') as Deployment;
    expect(deployment.spec.template.spec.containers[0]).not.toHaveProperty('resources');
  });

  it('pins the image by digest when one is given', async () => {
    const digest = `sha256:${'a1'.repeat(32)}`;
    const deployment = find(await render(`image.digest=${digest}`, 'image.tag=ignored'), 'Deployment');
    expect((deployment as Deployment).spec.template.spec.containers[0]!.image).toBe(
      `localhost/lighthouse-operator@${digest}`,
    );
  });

  it('with hard anti-affinity, replaces pods in place: a surge pod could find no free node', async () => {
    const strategy = (d: K8sObject) => (d.spec as { strategy: unknown }).strategy;
    const hard = find(await render('podAntiAffinity=hard'), 'Deployment');
    expect(strategy(hard)).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
    const soft = find(await render(), 'Deployment');
    expect(strategy(soft)).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });

  it('names every object by nameOverride or fullnameOverride, the Lease too', async () => {
    const names = (objects: K8sObject[]) =>
      objects.filter((o) => o.metadata.namespace === 'lh-system').map((o) => `${o.kind}/${o.metadata.name}`);
    const leaseId = (objects: K8sObject[]) =>
      (find(objects, 'Deployment') as Deployment).spec.template.spec.containers[0]!.env.find(
        (e) => e.name === 'LEADER_ELECTION_ID',
      )?.value;
    const beacon = await render('nameOverride=beacon');
    expect(names(beacon)).toContain('Deployment/lh-beacon-operator');
    expect(names(beacon)).toContain('ServiceAccount/lh-beacon-operator');
    expect(names(beacon)).toContain('Service/lh-beacon-operator-metrics');
    expect(leaseId(beacon)).toBe('lh-beacon-operator');
    const own = await render('fullnameOverride=agents-gate');
    expect(names(own)).toContain('Deployment/agents-gate');
    expect(names(own)).toContain('Service/agents-gate-metrics');
    expect(leaseId(own)).toBe('agents-gate');
    expect(names(own).every((n) => n.split('/')[1]!.startsWith('agents-gate'))).toBe(true);
  });

  it('takes a whole affinity, spread constraints, security contexts and extra env', async () => {
    const pod = (objects: K8sObject[]) =>
      (find(objects, 'Deployment') as Deployment).spec.template.spec as unknown as Record<string, unknown> & {
        containers: Container[];
      };
    const affinity = await render(
      'podAntiAffinity=hard',
      'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=pool',
      'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists',
      'topologySpreadConstraints[0].maxSkew=1,topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone,topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway',
    );
    // The given affinity replaces the preset whole, and the preset's in-place rollout with it.
    expect(pod(affinity).affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'Exists' }] }],
        },
      },
    });
    expect((find(affinity, 'Deployment').spec as { strategy: unknown }).strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(pod(affinity).topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
    ]);

    // OpenShift's restricted SCC assigns the user: the fixed ids go, the rest stays.
    const openshift = await render(
      'podSecurityContext.runAsUser=null,podSecurityContext.runAsGroup=null,podSecurityContext.fsGroup=null',
      'extraEnv[0].name=HTTPS_PROXY,extraEnv[0].value=http://proxy:3128',
    );
    expect(pod(openshift).securityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [container] = pod(openshift).containers;
    expect(container!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container!.env.at(-1)).toEqual({ name: 'HTTPS_PROXY', value: 'http://proxy:3128' });
    expect(container!.env.filter((e) => e.name === 'LOG_LEVEL')).toHaveLength(1);
  });

  it('NOTES put the demo bridge in a watched namespace', async () => {
    const notes = async (...set: string[]) => {
      const args = ['install', 'lh', chartDir, '--namespace', 'lh-system', '--dry-run=client'];
      for (const s of set) args.push('--set', s);
      const out = await helm(args);
      return out.slice(out.indexOf('NOTES:'));
    };
    const watched = await notes('watchNamespaces={team-a,team-b}');
    expect(watched).toContain("cat <<'YAML' | kubectl apply -n team-a -f -");
    expect(watched).toContain('kubectl wait -n team-a --for=condition=Ready lhb/demo');
    const everywhere = await notes();
    expect(everywhere).toContain("cat <<'YAML' | kubectl apply -f -");
    // The CRD note is for upgrades only.
    expect(everywhere).not.toContain('helm show crds');
  });

  it('grants nothing cluster-wide when watchNamespaces is set', async () => {
    const objects = await render('watchNamespaces={team-a,team-b}');
    const clusterBindings = objects.filter((o) => o.kind === 'ClusterRoleBinding');
    expect(clusterBindings).toEqual([]);
    const roleBindings = objects.filter((o) => o.kind === 'RoleBinding');
    expect(roleBindings.map((b) => `${b.metadata.namespace}/${(b as Binding).roleRef.name}`).sort()).toEqual([
      'lh-system/lh-lighthouse-operator-leader-election',
      'team-a/lh-lighthouse-operator-manager',
      'team-b/lh-lighthouse-operator-manager',
    ]);
  });

  it('has no wildcard, no node access and no RBAC-writing rule', async () => {
    const objects = await render();
    const rules = objects
      .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
      .flatMap((r) => (r as K8sObject & { rules: Rule[] }).rules);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      expect(rule.resources).not.toContain('nodes');
      expect(rule.apiGroups).not.toContain('rbac.authorization.k8s.io');
      expect(rule.verbs).not.toContain('escalate');
      expect(rule.verbs).not.toContain('impersonate');
      if (rule.resources.includes('secrets')) expect(rule.verbs).toEqual(['get', 'list', 'watch', 'create']);
    }
  });

  it('renders the monitoring objects and the dashboard JSON when enabled', async () => {
    const objects = await render(MONITORING);
    expect(objects.filter((o) => o.kind === 'ServiceMonitor')).toHaveLength(2);
    const rule = find(objects, 'PrometheusRule') as PrometheusRule;
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    const alerts = rules.map((r) => r.alert);
    expect(alerts.sort()).toEqual([
      'LighthouseBridgeDown',
      'LighthouseCacheHitRatioLow',
      'LighthouseOperatorReconcileErrors',
      'LighthouseRollbackHappened',
      'LighthouseValidationSlow',
    ]);
    const slow = rules.find((r) => r.alert === 'LighthouseValidationSlow')!;
    expect(slow.expr).toMatch(/\) > 0\.1\n$/);
    const ratio = rules.find((r) => r.alert === 'LighthouseCacheHitRatioLow')!;
    expect(ratio.expr).toMatch(/\) < 0\.95\n$/);
    // Prometheus' own template syntax survives Helm's templating.
    expect(slow.annotations.description).toContain('{{ $value | humanizeDuration }}');
    const dashboard = find(objects, 'ConfigMap', 'lh-lighthouse-operator-dashboard') as K8sObject & {
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    };
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    const json = JSON.parse(dashboard.data['lighthouse.json']!) as { uid: string; panels: unknown[] };
    expect(json.uid).toBe('lighthouse-overview');
    expect(json.panels.length).toBeGreaterThan(10);
  });
});

describe('k8s/ plain manifests', () => {
  it.each(Object.keys(MANIFESTS))(
    '%s is what the chart renders (run `make manifests` after changing it)',
    async (file) => {
      const committed = readFileSync(path.join(repo, file), 'utf8');
      const fresh = await MANIFESTS[file as keyof typeof MANIFESTS]();
      expect(committed).toBe(fresh);
    },
  );
});
