import { describe, expect, it } from '@jest/globals';

import { loadCrd, type JsonSchema } from './crd.js';
import { PHASES, type LighthouseBridgeSpec, type LighthouseBridgeStatus } from './types.js';

// Samples that set every field the TypeScript types declare; the compiler checks
// them against the types, this test checks them against the CRD schema.
const fullSpec: LighthouseBridgeSpec = {
  image: 'img',
  imagePullPolicy: 'IfNotPresent',
  imagePullSecrets: [{ name: 'pull' }],
  replicas: 2,
  autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 80 },
  resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } },
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
