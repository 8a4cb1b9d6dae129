import { describe, expect, it } from '@jest/globals';
import type { V1Container } from '@kubernetes/client-node';

import { sampleBridge } from '../api/fixture.js';
import type { SchedulingSpec } from '../api/types.js';
import { buildDeployment } from './deployment.js';
import { REVISION_ANNOTATION } from './revision.js';

const container = (cs: V1Container[] | undefined, name: string) => cs?.find((c) => c.name === name);

describe('buildDeployment', () => {
  it('takes the rolling update budget from spec.rollout, without changing the pod template', () => {
    const base = buildDeployment(sampleBridge());
    const rollout = { autoRollback: true, progressDeadlineSeconds: 600, maxSurge: '50%', maxUnavailable: 1 };
    const custom = buildDeployment(sampleBridge({ rollout }));
    expect(custom.deployment.spec!.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: '50%' },
    });
    // The budget is how to roll out, not what runs: no new revision, no restart.
    expect(custom.deployment.spec!.template).toEqual(base.deployment.spec!.template);
  });

  it('runs `lighthouse serve` on port 8765 with probes, resources and a restricted security context', () => {
    const { deployment } = buildDeployment(sampleBridge());
    expect(deployment.metadata).toMatchObject({ name: 'demo-bridge', namespace: 'team-a' });
    expect(deployment.spec!.replicas).toBe(2);
    expect(deployment.spec!.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const pod = deployment.spec!.template.spec!;
    const bridge = container(pod.containers, 'bridge')!;
    expect(bridge.command).toEqual(['lighthouse', 'serve']);
    expect(bridge.ports).toEqual([{ name: 'http', containerPort: 8765, protocol: 'TCP' }]);
    expect(bridge.readinessProbe!.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(bridge.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(bridge.startupProbe!.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(bridge.resources).toEqual({
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { memory: '1Gi' },
    });
    expect(bridge.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('demo-bridge');
    expect(deployment.spec!.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'lighthouse-bridge',
      'app.kubernetes.io/instance': 'demo',
      'app.kubernetes.io/component': 'bridge',
    });
    expect(deployment.spec!.template.metadata!.labels).toMatchObject(deployment.spec!.selector.matchLabels!);
  });

  it('reads the master key from the generated auth Secret as a file, and the database URL from the external Secret', () => {
    const pod = buildDeployment(sampleBridge()).deployment.spec!.template.spec!;
    const env = container(pod.containers, 'bridge')!.env!;
    expect(env).toContainEqual({
      name: 'LIGHTHOUSE_MASTER_KEY_FILE',
      value: '/var/run/lighthouse/auth/master-key',
    });
    expect(env).toContainEqual({
      name: 'LIGHTHOUSE_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'pg', key: 'uri' } },
    });
    expect(pod.volumes).toContainEqual({
      name: 'auth',
      secret: { secretName: 'demo-auth', items: [{ key: 'master-key', path: 'master-key' }] },
    });
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: 'demo-config' } });
  });

  it('managed mode reads `uri` of <name>-db-app; embedded mode mounts <name>-data and never surges', () => {
    const managed = buildDeployment(
      sampleBridge({ database: { managed: { instances: 3, storage: { size: '1Gi' } } } }),
    ).deployment;
    expect(container(managed.spec!.template.spec!.containers, 'bridge')!.env).toContainEqual({
      name: 'LIGHTHOUSE_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'demo-db-app', key: 'uri' } },
    });

    const embedded = buildDeployment(
      sampleBridge({ replicas: 1, database: { embedded: { storage: { size: '1Gi' } } } }),
    ).deployment;
    const pod = embedded.spec!.template.spec!;
    expect(container(pod.containers, 'bridge')!.env).toContainEqual({
      name: 'LIGHTHOUSE_DATA_DIR',
      value: '/var/lib/lighthouse',
    });
    expect(pod.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'demo-data' } });
    expect(embedded.spec!.strategy).toEqual({ type: 'Recreate' });
  });

  it('uses a user-provided auth Secret and key', () => {
    const pod = buildDeployment(sampleBridge({ auth: { secretRef: { name: 'mine', key: 'k' } } })).deployment
      .spec!.template.spec!;
    expect(pod.volumes).toContainEqual({
      name: 'auth',
      secret: { secretName: 'mine', items: [{ key: 'k', path: 'k' }] },
    });
  });

  it('runs the FUSE sidecar as a privileged native sidecar with /dev/fuse, Bidirectional propagation, a mount probe and preStop unmount', () => {
    const pod = buildDeployment(sampleBridge()).deployment.spec!.template.spec!;
    const fuse = container(pod.initContainers, 'fuse')!;
    expect(fuse.restartPolicy).toBe('Always');
    expect(fuse.command!.slice(0, 4)).toEqual(['lighthouse', 'fuse', '--mount', '/mnt/lighthouse/project']);
    expect(fuse.securityContext!.privileged).toBe(true);
    expect(fuse.volumeMounts).toContainEqual({
      name: 'project',
      mountPath: '/mnt/lighthouse/project',
      mountPropagation: 'Bidirectional',
    });
    expect(fuse.volumeMounts).toContainEqual({ name: 'dev-fuse', mountPath: '/dev/fuse' });
    expect(pod.volumes).toContainEqual({
      name: 'dev-fuse',
      hostPath: { path: '/dev/fuse', type: 'CharDevice' },
    });
    expect(pod.volumes).toContainEqual({ name: 'project', emptyDir: {} });
    expect(fuse.startupProbe!.exec!.command!.join(' ')).toContain('/mnt/lighthouse/project fuse');
    expect(fuse.lifecycle!.preStop!.exec!.command).toEqual(['fusermount', '-uz', '/mnt/lighthouse/project']);
    // Its credential is issued by an init container that runs before it; the sidecar never sees the master key.
    expect(pod.initContainers!.map((c) => c.name)).toEqual(['fuse-credential', 'fuse']);
    expect(fuse.command).toContain('--credential');
    expect(fuse.volumeMounts!.map((m) => m.name)).not.toContain('auth');
    const issue = container(pod.initContainers, 'fuse-credential')!;
    expect(issue.command!.join(' ')).toContain('lighthouse agent issue fuse-sidecar');
    expect(issue.restartPolicy).toBeUndefined();
    expect(issue.securityContext!.runAsNonRoot).toBe(true);
  });

  it('omits the sidecar when fuse is disabled', () => {
    const pod = buildDeployment(sampleBridge({ fuse: { enabled: false, mountPath: '/m' } })).deployment.spec!
      .template.spec!;
    expect(pod.initContainers).toBeUndefined();
    expect(pod.volumes!.map((v) => v.name)).not.toContain('dev-fuse');
  });

  it('adds experts that mount the project view read-only with HostToContainer propagation', () => {
    const pod = buildDeployment(
      sampleBridge({
        experts: [
          {
            name: 'sec',
            image: 'expert:1',
            env: [{ name: 'A', value: '1' }],
            resources: { limits: { cpu: '1' } },
          },
        ],
      }),
    ).deployment.spec!.template.spec!;
    const expert = container(pod.containers, 'expert-sec')!;
    expect(expert.image).toBe('expert:1');
    expect(expert.resources).toEqual({ limits: { cpu: '1' } });
    expect(expert.env).toContainEqual({ name: 'A', value: '1' });
    expect(expert.volumeMounts).toEqual([
      {
        name: 'project',
        mountPath: '/mnt/lighthouse/project',
        readOnly: true,
        mountPropagation: 'HostToContainer',
      },
    ]);
    expect(expert.securityContext!.privileged).toBeUndefined();
    expect(expert.securityContext!.runAsNonRoot).toBe(true);
  });

  it('leaves replicas to the HPA when autoscaling is on', () => {
    const { deployment } = buildDeployment(
      sampleBridge({ autoscaling: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } }),
    );
    expect(deployment.spec).not.toHaveProperty('replicas');
  });

  it('places the pods as spec.scheduling says; a spread constraint without labelSelector counts its own pods', () => {
    const scheduling: SchedulingSpec = {
      nodeSelector: { pool: 'agents' },
      tolerations: [{ key: 'pool', operator: 'Equal', value: 'agents', effect: 'NoSchedule' }],
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
          ],
        },
      },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway' }],
      priorityClassName: 'lighthouse-high',
    };
    const { deployment } = buildDeployment(sampleBridge({ scheduling }));
    const pod = deployment.spec!.template.spec!;
    expect(pod).toMatchObject({
      nodeSelector: scheduling.nodeSelector,
      tolerations: scheduling.tolerations,
      affinity: scheduling.affinity,
      priorityClassName: 'lighthouse-high',
    });
    expect(pod.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: deployment.spec!.selector.matchLabels },
      },
    ]);
  });

  it('without spec.scheduling the pods carry no placement fields, so the template and revision stay as they were', () => {
    const base = buildDeployment(sampleBridge());
    const pod = base.deployment.spec!.template.spec!;
    for (const field of [
      'nodeSelector',
      'tolerations',
      'affinity',
      'topologySpreadConstraints',
      'priorityClassName',
    ]) {
      expect(pod).not.toHaveProperty(field);
    }
    expect(buildDeployment(sampleBridge({ scheduling: {} })).revision).toBe(base.revision);
    const empty = { nodeSelector: {}, tolerations: [], affinity: {}, topologySpreadConstraints: [] };
    expect(buildDeployment(sampleBridge({ scheduling: empty })).revision).toBe(base.revision);
  });

  it('a change of any spec.scheduling field is a new revision, so it rolls out', () => {
    const changes: SchedulingSpec[] = [
      { nodeSelector: { pool: 'a' } },
      { nodeSelector: { pool: 'b' } },
      { tolerations: [{ operator: 'Exists' }] },
      { affinity: { nodeAffinity: {} } },
      {
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
      },
      {
        topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
      },
      { priorityClassName: 'high' },
    ];
    const revisions = [sampleBridge(), ...changes.map((scheduling) => sampleBridge({ scheduling }))].map(
      (lhb) => buildDeployment(lhb).revision,
    );
    expect(new Set(revisions).size).toBe(revisions.length);
  });

  it('records the pod template hash as the revision, which changes with the image only', () => {
    const a = buildDeployment(sampleBridge());
    expect(a.deployment.spec!.template.metadata!.annotations).toEqual({ [REVISION_ANNOTATION]: a.revision });
    expect(buildDeployment(sampleBridge()).revision).toBe(a.revision);
    expect(buildDeployment(sampleBridge({ image: 'other:2' })).revision).not.toBe(a.revision);
    // Scaling is not a new revision.
    expect(buildDeployment(sampleBridge({ replicas: 5 })).revision).toBe(a.revision);
  });
});
