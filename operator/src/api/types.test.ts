import { describe, expect, it } from '@jest/globals';

import { loadCrd, type JsonSchema } from './crd.js';
import {
  PHASES,
  type LabelSelector,
  type LighthouseBridgeSpec,
  type LighthouseBridgeStatus,
  type NodeSelectorTerm,
  type PodAffinity,
  type PodAffinityTerm,
} from './types.js';

// Samples that set every field the TypeScript types declare; the compiler checks
// them against the types, this test checks them against the CRD schema.
const selector: LabelSelector = {
  matchLabels: { a: 'b' },
  matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }],
};
const term: NodeSelectorTerm = {
  matchExpressions: [{ key: 'k', operator: 'Gt', values: ['1'] }],
  matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }],
};
const affinityTerm: PodAffinityTerm = {
  labelSelector: selector,
  namespaceSelector: selector,
  namespaces: ['ns'],
  topologyKey: 'zone',
};
const podAffinity: PodAffinity = {
  requiredDuringSchedulingIgnoredDuringExecution: [affinityTerm],
  preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: affinityTerm }],
};

const fullSpec: LighthouseBridgeSpec = {
  image: 'img',
  imagePullPolicy: 'IfNotPresent',
  imagePullSecrets: [{ name: 'pull' }],
  replicas: 2,
  autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 80 },
  resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } },
  scheduling: {
    nodeSelector: { pool: 'agents' },
    tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 60 }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: term }],
      },
      podAffinity: podAffinity,
      podAntiAffinity: podAffinity,
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: selector,
        minDomains: 2,
        nodeAffinityPolicy: 'Honor',
        nodeTaintsPolicy: 'Ignore',
      },
    ],
    priorityClassName: 'high',
  },
  database: {
    managed: {
      instances: 3,
      storage: { size: '10Gi', storageClass: 'fast' },
      parameters: { max_connections: '200' },
      backup: {
        destinationPath: 's3://b/p',
        endpointURL: 'https://s3',
        credentialsSecret: { name: 's3', accessKeyIdKey: 'a', secretAccessKeyKey: 'b' },
        retention: '30d',
        schedule: '0 0 0 * * *',
      },
    },
    external: { secretRef: { name: 'db', key: 'uri' } },
    embedded: { storage: { size: '5Gi', storageClass: 'fast' } },
  },
  fuse: { enabled: true, mountPath: '/mnt/x' },
  experts: [
    {
      name: 'e',
      image: 'i',
      env: [{ name: 'A', value: 'b' }],
      resources: { requests: { cpu: '1' }, limits: { cpu: '1' } },
    },
  ],
  auth: { secretRef: { name: 'k', key: 'master-key' } },
  networkPolicy: {
    enabled: true,
    allowedNamespaces: ['agents'],
    allowedPodSelector: { app: 'agent' },
    metricsNamespace: 'monitoring',
  },
  policy: {},
  featureFlags: { f: { mode: 'percentage', percentage: 10, agents: ['a'] } },
  rollout: { autoRollback: true, progressDeadlineSeconds: 600, maxSurge: '25%', maxUnavailable: 0 },
  paused: false,
};

const fullStatus: LighthouseBridgeStatus = {
  observedGeneration: 1,
  phase: 'Running',
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      observedGeneration: 1,
      lastTransitionTime: '2026-01-01T00:00:00Z',
      reason: 'Ready',
      message: '',
    },
  ],
  replicas: 2,
  readyReplicas: 2,
  endpoint: 'x-bridge.ns.svc:8765',
  database: { mode: 'managed', cluster: 'x-db', ready: true },
  currentRevision: 'abc',
  lastGoodRevision: 'abc',
  configRevision: 'c1',
  appliedConfigRevision: 'c1',
  lastRollout: { revision: 'abc', startedAt: 't', finishedAt: 't', result: 'Succeeded' },
};

/** Every property path the schema declares; `*` for map values, `[]` for array items. */
function schemaPaths(schema: JsonSchema, prefix: string, out: Set<string>): Set<string> {
  if (schema['x-kubernetes-preserve-unknown-fields']) return out;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    out.add(`${prefix}.${key}`);
    schemaPaths(child, `${prefix}.${key}`, out);
  }
  if (typeof schema.additionalProperties === 'object') {
    out.add(`${prefix}.*`);
    schemaPaths(schema.additionalProperties, `${prefix}.*`, out);
  }
  if (schema.items) schemaPaths(schema.items, `${prefix}[]`, out);
  return out;
}

/** Every path of a sample value, named as the schema names it; throws on a path the schema lacks. */
function samplePaths(value: unknown, schema: JsonSchema, prefix: string, out: Set<string>): Set<string> {
  if (schema['x-kubernetes-preserve-unknown-fields']) return out;
  if (Array.isArray(value)) {
    for (const item of value) samplePaths(item, schema.items ?? {}, `${prefix}[]`, out);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const named = schema.properties?.[key];
      const map = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      if (!named && !map) throw new Error(`${prefix}.${key} is in the TypeScript types but not in the CRD`);
      const path = named ? `${prefix}.${key}` : `${prefix}.*`;
      out.add(path);
      samplePaths(child, (named ?? map)!, path, out);
    }
  }
  return out;
}

const root = loadCrd().spec.versions[0]!.schema.openAPIV3Schema;

describe('TypeScript types match the CRD schema', () => {
  for (const [name, sample] of [
    ['spec', fullSpec],
    ['status', fullStatus],
  ] as const) {
    it(`every ${name} property path exists in both`, () => {
      const schema = root.properties![name]!;
      const fromSchema = [...schemaPaths(schema, name, new Set())].sort();
      const fromTypes = [...samplePaths(sample, schema, name, new Set())].sort();
      expect(fromTypes).toEqual(fromSchema);
    });
  }

  it('the spec fields the types declare as required are required or defaulted by the schema', () => {
    const spec = root.properties!.spec!;
    const guaranteed = new Set([
      ...(spec.required ?? []),
      ...Object.entries(spec.properties!)
        .filter(([, s]) => s.default !== undefined)
        .map(([k]) => k),
    ]);
    const requiredInTypes = [
      'image',
      'imagePullPolicy',
      'replicas',
      'resources',
      'database',
      'fuse',
      'networkPolicy',
      'rollout',
      'paused',
    ] satisfies (keyof LighthouseBridgeSpec)[];
    for (const key of requiredInTypes) expect(guaranteed).toContain(key);
  });

  it('phase enum agrees', () => {
    const status = root.properties!.status!;
    expect(status.properties!.phase!.enum).toEqual([...PHASES]);
  });
});

describe('the CRD repeats core/v1 sub-schemas without drift', () => {
  const scheduling = root.properties!.spec!.properties!.scheduling!;
  const affinity = scheduling.properties!.affinity!.properties!;
  const withoutDescription = (s: JsonSchema): unknown => ({ ...s, description: undefined });

  it('podAffinity and podAntiAffinity have one schema', () => {
    expect(affinity.podAntiAffinity).toEqual(affinity.podAffinity);
  });

  it('every node selector term and every label selector is the same', () => {
    const node = affinity.nodeAffinity!.properties!;
    expect(node.preferredDuringSchedulingIgnoredDuringExecution!.items!.properties!.preference).toEqual(
      node.requiredDuringSchedulingIgnoredDuringExecution!.properties!.nodeSelectorTerms!.items,
    );
    const term = affinity.podAffinity!.properties!.requiredDuringSchedulingIgnoredDuringExecution!.items!;
    const spread = scheduling.properties!.topologySpreadConstraints!.items!;
    expect(term.properties!.namespaceSelector).toEqual(term.properties!.labelSelector);
    expect(withoutDescription(spread.properties!.labelSelector!)).toEqual(
      withoutDescription(term.properties!.labelSelector!),
    );
    expect(
      affinity.podAffinity!.properties!.preferredDuringSchedulingIgnoredDuringExecution!.items!.properties!
        .podAffinityTerm,
    ).toEqual(term);
  });
});
