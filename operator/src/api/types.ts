// TypeScript view of crds/lighthouse.dev_lighthousebridges.yaml. The CRD is the
// source of truth; types.test.ts checks every property path here against it.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

export const GROUP = 'lighthouse.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'LighthouseBridge';
export const PLURAL = 'lighthousebridges';

/** Resource quantities (requests/limits): "250m", "512Mi" or a plain integer. */
export type Quantities = Record<string, string | number>;

export interface ResourceRequirements {
  requests?: Quantities;
  limits?: Quantities;
}

export interface StorageSpec {
  size: string;
  storageClass?: string;
}

export interface BackupSpec {
  destinationPath: string;
  endpointURL?: string;
  credentialsSecret: { name: string; accessKeyIdKey: string; secretAccessKeyKey: string };
  retention: string;
  schedule: string;
}

export interface ManagedDatabase {
  instances: number;
  storage: StorageSpec;
  parameters?: Record<string, string>;
  backup?: BackupSpec;
}

export interface DatabaseSpec {
  managed?: ManagedDatabase;
  external?: { secretRef: { name: string; key: string } };
  embedded?: { storage: StorageSpec };
}

export interface ExpertSpec {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  resources?: ResourceRequirements;
}

export type FlagMode = 'off' | 'on' | 'percentage' | 'agents';

export interface FeatureFlag {
  mode: FlagMode;
  percentage?: number;
  agents?: string[];
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** metav1.LabelSelector */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: LabelSelectorOperator; values?: string[] }[];
}

/** core/v1 NodeSelectorTerm */
export interface NodeSelectorTerm {
  matchExpressions?: { key: string; operator: LabelSelectorOperator | 'Gt' | 'Lt'; values?: string[] }[];
  matchFields?: { key: 'metadata.name'; operator: 'In' | 'NotIn'; values: string[] }[];
}

/** core/v1 PodAffinityTerm */
export interface PodAffinityTerm {
  labelSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  namespaces?: string[];
  topologyKey: string;
}

/** core/v1 PodAffinity and PodAntiAffinity */
export interface PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: PodAffinityTerm }[];
}

/** The core/v1 pod fields that place bridge pods, as the CRD schema restricts them. */
export interface SchedulingSpec {
  nodeSelector?: Record<string, string>;
  tolerations?: {
    key?: string;
    operator?: 'Exists' | 'Equal';
    value?: string;
    effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
    tolerationSeconds?: number;
  }[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
      preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
    };
    podAffinity?: PodAffinity;
    podAntiAffinity?: PodAffinity;
  };
  topologySpreadConstraints?: {
    maxSkew: number;
    topologyKey: string;
    whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
    /** Absent: the bridge pods' own selector labels. */
    labelSelector?: LabelSelector;
    minDomains?: number;
    nodeAffinityPolicy?: 'Honor' | 'Ignore';
    nodeTaintsPolicy?: 'Honor' | 'Ignore';
  }[];
  priorityClassName?: string;
}

/** The spec after the API server applied the schema's defaults. */
export interface LighthouseBridgeSpec {
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  imagePullSecrets?: { name: string }[];
  replicas: number;
  autoscaling?: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number };
  resources: ResourceRequirements;
  scheduling?: SchedulingSpec;
  database: DatabaseSpec;
  fuse: { enabled: boolean; mountPath: string };
  experts?: ExpertSpec[];
  auth?: { secretRef?: { name: string; key: string } };
  networkPolicy: {
    enabled: boolean;
    allowedNamespaces?: string[];
    allowedPodSelector?: Record<string, string>;
    metricsNamespace?: string;
  };
  policy?: Record<string, unknown>;
  featureFlags?: Record<string, FeatureFlag>;
  rollout: {
    autoRollback: boolean;
    progressDeadlineSeconds: number;
    /** Deployment-style int-or-string: a count or a percentage such as '25%'. */
    maxSurge: number | string;
    maxUnavailable: number | string;
  };
  paused: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition */
export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export const CONDITION_TYPES = [
  'Ready',
  'Reconciling',
  'Stalled',
  'DatabaseReady',
  'BridgeAvailable',
  'Degraded',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const PHASES = [
  'Pending',
  'Provisioning',
  'Progressing',
  'Running',
  'Degraded',
  'RollingBack',
  'Failed',
  'Paused',
] as const;
export type Phase = (typeof PHASES)[number];
export type DatabaseMode = 'managed' | 'external' | 'embedded';

export interface LighthouseBridgeStatus {
  observedGeneration?: number;
  phase?: Phase;
  conditions?: Condition[];
  replicas?: number;
  readyReplicas?: number;
  endpoint?: string;
  database?: { mode: DatabaseMode; cluster?: string; ready: boolean };
  currentRevision?: string;
  /** Written by rollouts (issue 10): the last template that became available. */
  lastGoodRevision?: string;
  /** Revision of the policy + flags in the ConfigMap, and the one every ready bridge has loaded. */
  configRevision?: string;
  appliedConfigRevision?: string;
  lastRollout?: {
    revision: string;
    startedAt: string;
    finishedAt?: string;
    result: 'Progressing' | 'Succeeded' | 'Failed' | 'RolledBack';
  };
}

export interface LighthouseBridge extends KubernetesObject {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: LighthouseBridgeSpec;
  status?: LighthouseBridgeStatus;
}

export function databaseMode(spec: LighthouseBridgeSpec): DatabaseMode {
  if (spec.database.managed) return 'managed';
  if (spec.database.external) return 'external';
  return 'embedded';
}
