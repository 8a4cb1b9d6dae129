// The API server itself refuses invalid specs, with the CRD's CEL messages.
import { beforeAll, describe, expect, it } from '@jest/globals';

import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { installCrd } from './operator-process.js';

const ns = useNamespace('operator-validation');

beforeAll(() => installCrd(controlPlane()), 60_000);

const bridge = (name: string, spec: object) =>
  JSON.stringify({
    apiVersion: 'lighthouse.dev/v1alpha1',
    kind: 'LighthouseBridge',
    metadata: { name },
    spec,
  });

const apply = (doc: string) => controlPlane().kubectl(['apply', '-n', ns(), '-f', '-'], { input: doc });

describe('invalid LighthouseBridge specs are refused by the API', () => {
  it('both database modes', async () => {
    await expect(
      apply(
        bridge('two-dbs', {
          image: 'i',
          database: { embedded: {}, external: { secretRef: { name: 'x' } } },
          replicas: 1,
        }),
      ),
    ).rejects.toThrow('exactly one of database.managed, database.external and database.embedded must be set');
  });

  it('no database mode', async () => {
    await expect(apply(bridge('no-db', { image: 'i', database: {} }))).rejects.toThrow(
      'exactly one of database.managed, database.external and database.embedded must be set',
    );
  });

  it('embedded with 3 replicas, or with autoscaling', async () => {
    await expect(
      apply(bridge('emb3', { image: 'i', replicas: 3, database: { embedded: {} } })),
    ).rejects.toThrow('database.embedded runs a single bridge: set replicas to 1 and remove autoscaling');
    // Without replicas the default (2) applies, and is refused the same way.
    await expect(apply(bridge('emb-default', { image: 'i', database: { embedded: {} } }))).rejects.toThrow(
      'set replicas to 1',
    );
    await expect(
      apply(
        bridge('emb-hpa', {
          image: 'i',
          replicas: 1,
          autoscaling: { maxReplicas: 3 },
          database: { embedded: {} },
        }),
      ),
    ).rejects.toThrow('database.embedded runs a single bridge');
  });

  it('minReplicas greater than maxReplicas', async () => {
    await expect(
      apply(
        bridge('minmax', {
          image: 'i',
          autoscaling: { minReplicas: 5, maxReplicas: 3 },
          database: { external: { secretRef: { name: 'x' } } },
        }),
      ),
    ).rejects.toThrow('autoscaling.minReplicas must be less than or equal to autoscaling.maxReplicas');
  });

  it('enums, ranges and required fields', async () => {
    const ext = { external: { secretRef: { name: 'x' } } };
    await expect(
      apply(bridge('pp', { image: 'i', imagePullPolicy: 'Sometimes', database: ext })),
    ).rejects.toThrow(/imagePullPolicy: Unsupported value: "Sometimes"/);
    await expect(apply(bridge('r0', { image: 'i', replicas: 0, database: ext }))).rejects.toThrow(
      /replicas: Invalid value/,
    );
    await expect(apply(bridge('noimg', { database: ext }))).rejects.toThrow(/spec.image: Required value/);
    await expect(
      apply(bridge('flag', { image: 'i', database: ext, featureFlags: { f: { mode: 'percentage' } } })),
    ).rejects.toThrow('a flag in mode percentage needs percentage');
  });

  it('a rolling update budget that could never progress, or is not a count or percentage', async () => {
    const ext = { external: { secretRef: { name: 'x' } } };
    const budget = (name: string, rollout: object) =>
      apply(bridge(name, { image: 'i', database: ext, rollout }));
    const never = 'rollout.maxSurge and rollout.maxUnavailable cannot both be 0';
    await expect(budget('zero', { maxSurge: 0 })).rejects.toThrow(never);
    await expect(budget('zero-pct', { maxSurge: '0%', maxUnavailable: '0%' })).rejects.toThrow(never);
    await expect(budget('pct', { maxSurge: 'half' })).rejects.toThrow(
      "rollout.maxSurge must be a count (0 or more) or a percentage such as '25%'",
    );
    await expect(budget('neg', { maxUnavailable: -1 })).rejects.toThrow(
      "rollout.maxUnavailable must be a count (0 or more) or a percentage such as '25%'",
    );
    await budget('ok-pct', { maxSurge: '25%', maxUnavailable: '25%' });
    await budget('ok-unavailable', { maxSurge: 0, maxUnavailable: 1 });
  });

  it('a name its children cannot carry (the <name>-bridge Service is a DNS-1035 label)', async () => {
    const ext = { external: { secretRef: { name: 'x' } } };
    await expect(apply(bridge('a'.repeat(57), { image: 'i', database: ext }))).rejects.toThrow(
      'metadata.name must be at most 56 characters',
    );
    for (const name of ['dotted.name', '1st']) {
      await expect(apply(bridge(name, { image: 'i', database: ext }))).rejects.toThrow(
        'metadata.name must start with a lowercase letter',
      );
    }
    await apply(bridge('b'.repeat(56), { image: 'i', database: ext }));
    // Checked on create only: the resource can still be changed.
    await apply(bridge('b'.repeat(56), { image: 'j', database: ext }));
  });

  it('resource quantities the Pod API would not parse', async () => {
    const ext = { external: { secretRef: { name: 'x' } } };
    await expect(
      apply(bridge('qty', { image: 'i', database: ext, resources: { requests: { cpu: 'lots' } } })),
    ).rejects.toThrow(/spec.resources.requests.cpu: Invalid value: "lots"/);
    await expect(
      apply(
        bridge('qty-expert', {
          image: 'i',
          database: ext,
          experts: [{ name: 'e', image: 'i', resources: { limits: { memory: '1 GB' } } }],
        }),
      ),
    ).rejects.toThrow(/spec.experts\[0\].resources.limits.memory: Invalid value: "1 GB"/);
    await apply(
      bridge('qty-ok', {
        image: 'i',
        database: ext,
        resources: { requests: { cpu: '0.5', memory: '1e9' }, limits: { cpu: 2, memory: '1.5Gi' } },
      }),
    );
  });

  it('a FUSE mount path the sidecar could not mount or probe', async () => {
    const ext = { external: { secretRef: { name: 'x' } } };
    for (const mountPath of ['/', 'relative', '/a b', "/x'; true; '", '/mnt/../etc', '/a:b']) {
      await expect(apply(bridge('mnt', { image: 'i', database: ext, fuse: { mountPath } }))).rejects.toThrow(
        /spec.fuse.mountPath: Invalid value/,
      );
    }
    await apply(bridge('mnt-ok', { image: 'i', database: ext, fuse: { mountPath: '/work/project_1.v2' } }));
  });

  describe('spec.scheduling: what the Pod API would refuse is refused here, naming the field', () => {
    const ext = { external: { secretRef: { name: 'x' } } };
    const scheduling = (name: string, value: object) =>
      apply(bridge(name, { image: 'i', database: ext, scheduling: value }));
    const spread = (name: string, constraint: object) =>
      scheduling(name, {
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', ...constraint },
        ],
      });
    const nodeTerm = (name: string, requirement: object) =>
      scheduling(name, {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [requirement] }],
            },
          },
        },
      });

    it('tolerations', async () => {
      const tolerations = (name: string, toleration: object) =>
        scheduling(name, { tolerations: [toleration] });
      await expect(tolerations('tol-op', { key: 'k', operator: 'Maybe' })).rejects.toThrow(
        'spec.scheduling.tolerations[0].operator: Unsupported value: "Maybe": supported values: "Exists", "Equal"',
      );
      await expect(tolerations('tol-effect', { key: 'k', effect: 'NoRun' })).rejects.toThrow(
        'spec.scheduling.tolerations[0].effect: Unsupported value: "NoRun"',
      );
      await expect(tolerations('tol-value', { key: 'k', operator: 'Exists', value: 'v' })).rejects.toThrow(
        'a toleration with operator Exists must not set value',
      );
      await expect(tolerations('tol-key', { value: 'v' })).rejects.toThrow(
        'a toleration without key must have operator Exists (it then tolerates every taint)',
      );
      await expect(
        tolerations('tol-seconds', { key: 'k', effect: 'NoSchedule', tolerationSeconds: 60 }),
      ).rejects.toThrow('tolerationSeconds applies only to effect NoExecute');
      await expect(tolerations('tol-badkey', { key: 'a b', operator: 'Exists' })).rejects.toThrow(
        /spec.scheduling.tolerations\[0\].key: Invalid value: "a b"/,
      );
    });

    it('topologySpreadConstraints', async () => {
      await expect(spread('skew', { maxSkew: 0 })).rejects.toThrow(
        /spec.scheduling.topologySpreadConstraints\[0\].maxSkew: Invalid value: 0: .* should be greater than or equal to 1/,
      );
      await expect(spread('nokey', { topologyKey: '' })).rejects.toThrow(
        /spec.scheduling.topologySpreadConstraints\[0\].topologyKey: Invalid value: "": .* should be at least 1 chars long/,
      );
      await expect(spread('when', { whenUnsatisfiable: 'Maybe' })).rejects.toThrow(
        'spec.scheduling.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"',
      );
      await expect(spread('domains', { whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 })).rejects.toThrow(
        'minDomains applies only to whenUnsatisfiable DoNotSchedule',
      );
      await expect(
        spread('selector', { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }),
      ).rejects.toThrow('values must be non-empty when operator is In or NotIn');
      const twice = { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' };
      await expect(scheduling('twice', { topologySpreadConstraints: [twice, twice] })).rejects.toThrow(
        /spec.scheduling.topologySpreadConstraints\[1\]: Duplicate value/,
      );
    });

    it('affinity', async () => {
      await expect(nodeTerm('node-in', { key: 'zone', operator: 'In' })).rejects.toThrow(
        'values must be non-empty when operator is In or NotIn',
      );
      await expect(nodeTerm('node-gt', { key: 'cpu', operator: 'Gt', values: ['many'] })).rejects.toThrow(
        'operator Gt and Lt need exactly one value, an integer',
      );
      await expect(
        nodeTerm('node-exists', { key: 'gpu', operator: 'Exists', values: ['a'] }),
      ).rejects.toThrow('values must be empty when operator is Exists or DoesNotExist');
      await expect(nodeTerm('node-op', { key: 'zone', operator: 'Near', values: ['a'] })).rejects.toThrow(
        /operator: Unsupported value: "Near"/,
      );
      await expect(
        scheduling('no-terms', {
          affinity: {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
          },
        }),
      ).rejects.toThrow(/nodeSelectorTerms: Invalid value: 0: .* should have at least 1 items/);
      const anti = (name: string, term: object) =>
        scheduling(name, {
          affinity: {
            podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, ...term }] },
          },
        });
      await expect(anti('anti-key', { podAffinityTerm: {} })).rejects.toThrow(
        /podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution\[0\].podAffinityTerm.topologyKey: Required value/,
      );
      await expect(
        anti('anti-weight', { weight: 0, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }),
      ).rejects.toThrow(/weight: Invalid value: 0: .* should be greater than or equal to 1/);
    });

    it('nodeSelector and priorityClassName', async () => {
      await expect(scheduling('selector-value', { nodeSelector: { pool: 'a b' } })).rejects.toThrow(
        /spec.scheduling.nodeSelector.pool: Invalid value: "a b"/,
      );
      await expect(scheduling('priority', { priorityClassName: 'High_Priority' })).rejects.toThrow(
        /spec.scheduling.priorityClassName: Invalid value: "High_Priority"/,
      );
    });

    it('a valid scheduling spec is stored as given', async () => {
      const value = {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'agents', effect: 'NoSchedule' },
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 30,
          },
          { operator: 'Exists' },
        ],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'cpu', operator: 'Gt', values: ['4'] }] },
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] },
              ],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
            ],
          },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                topologyKey: 'kubernetes.io/hostname',
                labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'ok-scheduling' } },
                namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['x'] }] },
                namespaces: ['agents'],
              },
            ],
          },
        },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            minDomains: 2,
            nodeAffinityPolicy: 'Honor',
            nodeTaintsPolicy: 'Ignore',
          },
          { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
        ],
        priorityClassName: 'system-cluster-critical',
      };
      await scheduling('ok-scheduling', value);
      const stored = JSON.parse(
        await controlPlane().kubectl(['get', 'lhb', 'ok-scheduling', '-n', ns(), '-o', 'json']),
      ) as { spec: { scheduling: unknown } };
      expect(stored.spec.scheduling).toEqual(value);
    });
  });

  it('a valid spec is stored with the schema defaults applied', async () => {
    await apply(bridge('ok', { image: 'i', database: { external: { secretRef: { name: 'x' } } } }));
    const stored = JSON.parse(
      await controlPlane().kubectl(['get', 'lhb', 'ok', '-n', ns(), '-o', 'json']),
    ) as {
      spec: Record<string, unknown>;
    };
    expect(stored.spec).toMatchObject({
      replicas: 2,
      imagePullPolicy: 'IfNotPresent',
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      fuse: { enabled: true, mountPath: '/mnt/lighthouse/project' },
      rollout: { autoRollback: true, progressDeadlineSeconds: 600, maxSurge: 1, maxUnavailable: 0 },
      networkPolicy: { enabled: true },
      paused: false,
      database: { external: { secretRef: { name: 'x', key: 'uri' } } },
    });
  });
});
