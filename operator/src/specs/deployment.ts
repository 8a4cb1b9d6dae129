// <name>-bridge Deployment: the bridge container, the FUSE sidecar (a native
// sidecar: an init container with restartPolicy Always) and expert containers.
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PodTemplateSpec,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';

import type { LighthouseBridge, Quantities, ResourceRequirements } from '../api/types.js';
import { BRIDGE_PORT, childMetadata, childNames, labels, selectorLabels } from './labels.js';
import { REVISION_ANNOTATION, revisionOf } from './revision.js';
import { podScheduling } from './scheduling.js';

export const BRIDGE_CONTAINER = 'bridge';
export const FUSE_CONTAINER = 'fuse';
const CONFIG_DIR = '/etc/lighthouse/config';
const AUTH_DIR = '/var/run/lighthouse/auth';
const DATA_DIR = '/var/lib/lighthouse';
const FUSE_CREDENTIAL_DIR = '/var/run/lighthouse/fuse';
/** The FUSE sidecar reads the bridge as this agent. */
export const FUSE_AGENT_ID = 'fuse-sidecar';
const NON_ROOT_UID = 10001;

/** The Secret and key holding the master key: the user's, or the generated `<name>-auth`. */
export function masterKeyRef(lhb: LighthouseBridge): { name: string; key: string } {
  const ref = lhb.spec.auth?.secretRef;
  return ref
    ? { name: ref.name, key: ref.key }
    : { name: childNames(lhb.metadata.name).auth, key: 'master-key' };
}

/** The schema allows integer quantities; the pod API takes strings. */
function quantities(q: Quantities | undefined): Record<string, string> | undefined {
  return q && Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));
}

function resources(r: ResourceRequirements): V1ResourceRequirements {
  return {
    ...(r.requests ? { requests: quantities(r.requests) } : {}),
    ...(r.limits ? { limits: quantities(r.limits) } : {}),
  };
}

const restricted: V1SecurityContext = {
  runAsNonRoot: true,
  runAsUser: NON_ROOT_UID,
  runAsGroup: NON_ROOT_UID,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function databaseEnv(lhb: LighthouseBridge): V1EnvVar[] {
  const { managed, external } = lhb.spec.database;
  const names = childNames(lhb.metadata.name);
  if (managed) {
    return [
      {
        name: 'LIGHTHOUSE_DATABASE_URL',
        valueFrom: { secretKeyRef: { name: names.databaseApp, key: 'uri' } },
      },
    ];
  }
  if (external) {
    const ref = external.secretRef;
    return [
      { name: 'LIGHTHOUSE_DATABASE_URL', valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } },
    ];
  }
  return [{ name: 'LIGHTHOUSE_DATA_DIR', value: DATA_DIR }];
}

function bridgeContainer(lhb: LighthouseBridge): V1Container {
  const key = masterKeyRef(lhb);
  const mounts: V1VolumeMount[] = [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'auth', mountPath: AUTH_DIR, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (lhb.spec.database.embedded) mounts.push({ name: 'data', mountPath: DATA_DIR });
  return {
    name: BRIDGE_CONTAINER,
    image: lhb.spec.image,
    imagePullPolicy: lhb.spec.imagePullPolicy,
    command: ['lighthouse', 'serve'],
    ports: [{ name: 'http', containerPort: BRIDGE_PORT, protocol: 'TCP' }],
    env: [
      { name: 'LIGHTHOUSE_MASTER_KEY_FILE', value: `${AUTH_DIR}/${key.key}` },
      { name: 'LIGHTHOUSE_CONFIG_DIR', value: CONFIG_DIR },
      ...databaseEnv(lhb),
    ],
    resources: resources(lhb.spec.resources),
    volumeMounts: mounts,
    startupProbe: {
      httpGet: { path: '/healthz', port: 'http' },
      periodSeconds: 2,
      failureThreshold: 60,
    },
    readinessProbe: {
      httpGet: { path: '/readyz', port: 'http' },
      periodSeconds: 5,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: 'http' },
      periodSeconds: 10,
      failureThreshold: 3,
    },
    securityContext: restricted,
  };
}

/**
 * Issues the sidecar's agent credential (derived from the master key) into a
 * memory-backed emptyDir, so the sidecar never holds the master key itself.
 */
function fuseCredential(lhb: LighthouseBridge): V1Container {
  const key = masterKeyRef(lhb);
  return {
    name: 'fuse-credential',
    image: lhb.spec.image,
    imagePullPolicy: lhb.spec.imagePullPolicy,
    command: ['sh', '-c', `lighthouse agent issue ${FUSE_AGENT_ID} > ${FUSE_CREDENTIAL_DIR}/credential`],
    env: [{ name: 'LIGHTHOUSE_MASTER_KEY_FILE', value: `${AUTH_DIR}/${key.key}` }],
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    volumeMounts: [
      { name: 'auth', mountPath: AUTH_DIR, readOnly: true },
      { name: 'fuse-credential', mountPath: FUSE_CREDENTIAL_DIR },
    ],
    securityContext: restricted,
  };
}

/** The privileged FUSE sidecar: mounts the project view and shares it through the emptyDir. */
function fuseSidecar(lhb: LighthouseBridge): V1Container {
  const mountPath = lhb.spec.fuse.mountPath;
  return {
    name: FUSE_CONTAINER,
    image: lhb.spec.image,
    imagePullPolicy: lhb.spec.imagePullPolicy,
    restartPolicy: 'Always',
    command: [
      'lighthouse',
      'fuse',
      '--mount',
      mountPath,
      '--bridge',
      `http://127.0.0.1:${BRIDGE_PORT}`,
      '--credential',
      `${FUSE_CREDENTIAL_DIR}/credential`,
    ],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    volumeMounts: [
      { name: 'project', mountPath, mountPropagation: 'Bidirectional' },
      { name: 'dev-fuse', mountPath: '/dev/fuse' },
      { name: 'fuse-credential', mountPath: FUSE_CREDENTIAL_DIR, readOnly: true },
    ],
    startupProbe: {
      exec: { command: ['sh', '-c', `grep -qs ' ${mountPath} fuse' /proc/mounts`] },
      periodSeconds: 2,
      failureThreshold: 30,
    },
    lifecycle: { preStop: { exec: { command: ['fusermount', '-uz', mountPath] } } },
    // Mounting FUSE and propagating the mount to the other containers needs privilege.
    securityContext: { privileged: true, runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: true },
  };
}

function expertContainers(lhb: LighthouseBridge): V1Container[] {
  return (lhb.spec.experts ?? []).map((e) => ({
    name: `expert-${e.name}`,
    image: e.image,
    imagePullPolicy: lhb.spec.imagePullPolicy,
    env: [...(e.env ?? []), { name: 'LIGHTHOUSE_PROJECT_DIR', value: lhb.spec.fuse.mountPath }],
    ...(e.resources ? { resources: resources(e.resources) } : {}),
    volumeMounts: lhb.spec.fuse.enabled
      ? [
          {
            name: 'project',
            mountPath: lhb.spec.fuse.mountPath,
            readOnly: true,
            mountPropagation: 'HostToContainer' as const,
          },
        ]
      : [],
    securityContext: restricted,
  }));
}

function volumes(lhb: LighthouseBridge): V1Volume[] {
  const names = childNames(lhb.metadata.name);
  const key = masterKeyRef(lhb);
  const list: V1Volume[] = [
    { name: 'config', configMap: { name: names.config } },
    { name: 'auth', secret: { secretName: key.name, items: [{ key: key.key, path: key.key }] } },
    { name: 'tmp', emptyDir: {} },
  ];
  if (lhb.spec.database.embedded)
    list.push({ name: 'data', persistentVolumeClaim: { claimName: names.data } });
  if (lhb.spec.fuse.enabled) {
    list.push({ name: 'project', emptyDir: {} });
    list.push({ name: 'dev-fuse', hostPath: { path: '/dev/fuse', type: 'CharDevice' } });
    list.push({ name: 'fuse-credential', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
  }
  return list;
}

/** The pod template without its revision annotation (the revision is the hash of this). */
function podTemplate(lhb: LighthouseBridge): V1PodTemplateSpec {
  return {
    metadata: { labels: labels(lhb, 'bridge') },
    spec: {
      serviceAccountName: childNames(lhb.metadata.name).bridge,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: NON_ROOT_UID,
        runAsGroup: NON_ROOT_UID,
        fsGroup: NON_ROOT_UID,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...(lhb.spec.imagePullSecrets ? { imagePullSecrets: lhb.spec.imagePullSecrets } : {}),
      ...podScheduling(lhb),
      ...(lhb.spec.fuse.enabled ? { initContainers: [fuseCredential(lhb), fuseSidecar(lhb)] } : {}),
      containers: [bridgeContainer(lhb), ...expertContainers(lhb)],
      volumes: volumes(lhb),
      terminationGracePeriodSeconds: 30,
    },
  };
}

export interface DesiredDeployment {
  deployment: V1Deployment;
  revision: string;
}

export function buildDeployment(lhb: LighthouseBridge): DesiredDeployment {
  const template = podTemplate(lhb);
  const revision = revisionOf(template);
  template.metadata!.annotations = { [REVISION_ANNOTATION]: revision };
  const embedded = Boolean(lhb.spec.database.embedded);
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).bridge, 'bridge'),
    spec: {
      // With autoscaling the HPA owns the replica count: leaving it out of our
      // apply means we never fight it.
      ...(lhb.spec.autoscaling ? {} : { replicas: lhb.spec.replicas }),
      selector: { matchLabels: selectorLabels(lhb, 'bridge') },
      // The embedded store is a single writer on a ReadWriteOnce volume: never two pods at once.
      strategy: embedded
        ? { type: 'Recreate' }
        : {
            type: 'RollingUpdate',
            rollingUpdate: {
              maxUnavailable: lhb.spec.rollout.maxUnavailable,
              maxSurge: lhb.spec.rollout.maxSurge,
            },
          },
      progressDeadlineSeconds: lhb.spec.rollout.progressDeadlineSeconds,
      revisionHistoryLimit: 10,
      template,
    },
  };
  return { deployment, revision };
}
