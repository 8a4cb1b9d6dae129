// One reconcile of one LighthouseBridge: apply what differs, observe, write the
// status if it changed, tell people what happened. The builders decide what the
// children look like; this file only compares, applies and observes.
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
} from '@kubernetes/client-node';
import type { Logger } from 'winston';

import { databaseMode, type LighthouseBridge } from '../api/types.js';
import type { ObjectCache } from '../informers/informer-set.js';
import { RESOURCES, resourcePath } from '../kube/resources.js';
import { isNotFound, KubeApiError, type RestClient } from '../kube/rest.js';
import { buildAuthSecret } from '../specs/auth-secret.js';
import type { CnpgCluster } from '../specs/cnpg-cluster.js';
import { childNames, FIELD_MANAGER, labelSelector, selectorLabels } from '../specs/labels.js';
import { configRevisionOf } from '../specs/config-map.js';
import { canonicalJson } from '../specs/revision.js';
import { probeConfig } from '../rollout/config-probe.js';
import { RevisionHistory } from '../rollout/history.js';
import { planRollout, rememberIfGood } from '../rollout/planner.js';
import { rollbackEvents, withRollout } from '../rollout/status.js';
import { authStatus, type AuthStatus } from './auth-status.js';
import { ChildApplier, informerKey } from './children.js';
import { databaseStatus, type DatabaseObservation, type ExternalSecretState } from './database-status.js';
import { desiredChildren } from './desired.js';
import { transitionEvents, type BridgeEvent, type EventRecorder } from './events.js';
import { placementOf, type Placement } from './placement.js';
import { bridgeAvailability, computeStatus } from './status.js';

export interface ServedApis {
  cnpg(): boolean;
  barman(): boolean;
}

export interface ReconcilerDeps {
  rest: RestClient;
  bridges: ObjectCache<LighthouseBridge>;
  children: Map<string, ObjectCache<KubernetesObject>>;
  events: EventRecorder;
  apis: ServedApis;
  log: Logger;
}

export interface ReconcileOutcome {
  requeueAfterMs?: number;
  /** The phase written (or kept), for logs and metrics. */
  phase?: string;
}

/** Kinds we delete when the spec no longer asks for them. Data-bearing kinds (PVC, Cluster) are never pruned. */
const PRUNABLE = [
  RESOURCES.hpa,
  RESOURCES.pdb,
  RESOURCES.networkPolicy,
  RESOURCES.objectStore,
  RESOURCES.scheduledBackup,
];

const terminal = (err: unknown) => err instanceof KubeApiError && [400, 403, 422].includes(err.status);

export class Reconciler {
  private readonly applier: ChildApplier;
  private readonly history: RevisionHistory;

  constructor(private readonly deps: ReconcilerDeps) {
    this.applier = new ChildApplier(deps.rest, deps.children);
    this.history = new RevisionHistory(deps.rest);
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileOutcome> {
    const lhb = this.deps.bridges.get(namespace, name);
    // Gone or going: owner references let the garbage collector remove the children.
    if (!lhb || lhb.metadata.deletionTimestamp) return {};
    const log = this.deps.log.child({ namespace, name });
    const liveDeployment = () =>
      this.deps.children
        .get(informerKey('apps/v1', 'Deployment'))
        ?.get(namespace, childNames(name).bridge) as V1Deployment | undefined;
    // The spec's template, or the last good one after its rollout failed.
    const plan = await planRollout(lhb, desiredChildren(lhb), liveDeployment(), this.history, log);
    const { applied, revision } = plan;

    let applyError: { message: string; terminal: boolean } | undefined;
    let retryError: unknown;
    if (!lhb.spec.paused) {
      try {
        await this.applyChildren(lhb, applied, log);
      } catch (err) {
        applyError = { message: err instanceof Error ? err.message : String(err), terminal: terminal(err) };
        if (!applyError.terminal) retryError = err;
        log.warn('applying children failed', { error: applyError.message });
      }
    }

    const observation = await this.observeDatabase(lhb);
    const database = databaseStatus(observation);
    const auth = await this.observeAuth(lhb);
    const deployment = liveDeployment();
    const now = new Date().toISOString();
    const config = await this.observeConfig(lhb, applied, deployment, revision, log);
    const placement = await this.observePlacement(lhb, deployment, revision, log);
    const computed = computeStatus({
      lhb,
      now,
      revision,
      database,
      config,
      ...(auth ? { auth } : {}),
      ...(deployment ? { deployment } : {}),
      ...(applyError ? { applyError } : {}),
      ...(placement?.unschedulable ? { unschedulable: placement.unschedulable } : {}),
    });
    const status = withRollout(lhb, computed, plan.action, now);

    if (canonicalJson(status) !== canonicalJson(lhb.status ?? {})) {
      const updated = await this.deps.rest.apply(
        resourcePath(RESOURCES.bridge, namespace, name, 'status'),
        { apiVersion: lhb.apiVersion, kind: lhb.kind, metadata: { name, namespace }, status },
        FIELD_MANAGER,
      );
      this.deps.bridges.upsert(updated as LighthouseBridge);
      log.info('status updated', { phase: status.phase, revision });
      // Events are for people: they never hold up (or fail) a reconcile.
      for (const event of [...transitionEvents(lhb.status, status), ...rollbackEvents(lhb.status, status)])
        this.record(lhb, event, log);
    }
    if (!lhb.spec.paused) {
      await rememberIfGood(lhb, plan, status, this.history).catch((err: unknown) => {
        log.warn('storing the good template failed', { revision, error: String(err) });
        retryError ??= err;
      });
    }
    if (retryError) throw retryError;
    // Secrets we do not manage are not watched: poll until the user's appear.
    const waitingOnSecret = (observation.mode === 'external' && !database.ready) || auth?.ready === false;
    const waitingOnCnpg = observation.mode === 'managed' && !observation.cnpgInstalled;
    // Pods are not watched: while some have no node, look again for the scheduler's reason.
    const waitingOnScheduler = (placement?.unbound ?? 0) > 0;
    return {
      phase: status.phase,
      ...(config.pending
        ? { requeueAfterMs: 2_000 }
        : waitingOnScheduler
          ? { requeueAfterMs: 10_000 }
          : waitingOnSecret
            ? { requeueAfterMs: 15_000 }
            : waitingOnCnpg
              ? { requeueAfterMs: 60_000 }
              : {}),
    };
  }

  /**
   * The bridge pods of the revision, read only while it is not available: a pod
   * the scheduler cannot place says why on its own status, the Deployment does not.
   */
  private async observePlacement(
    lhb: LighthouseBridge,
    deployment: V1Deployment | undefined,
    revision: string,
    log: Logger,
  ): Promise<Placement | undefined> {
    const bridge = bridgeAvailability(deployment, revision);
    if (lhb.spec.paused || !deployment || bridge.available || bridge.reason === 'TemplateOutdated')
      return undefined;
    try {
      const pods = `/api/v1/namespaces/${lhb.metadata.namespace}/pods`;
      const selector = labelSelector(selectorLabels(lhb, 'bridge'));
      const { items } = await this.deps.rest.list<V1Pod>(pods, { labelSelector: selector });
      return placementOf(items, revision);
    } catch (err) {
      log.warn('listing the bridge pods failed', { error: String(err) });
      return undefined;
    }
  }

  /**
   * The config revision the bridges run. Pods started for the current template
   * read the ConfigMap applied before them; after a policy- or flag-only change
   * the bridges hot-reload it, which only their /readyz can confirm.
   */
  private async observeConfig(
    lhb: LighthouseBridge,
    applied: KubernetesObject[],
    deployment: V1Deployment | undefined,
    revision: string,
    log: Logger,
  ): Promise<{ desired: string; applied?: string; pending?: string }> {
    const desired = configRevisionOf(applied.find((o) => o.kind === 'ConfigMap') as V1ConfigMap);
    const prev = lhb.status;
    const kept = prev?.appliedConfigRevision ? { applied: prev.appliedConfigRevision } : {};
    if (lhb.spec.paused || !bridgeAvailability(deployment, revision).available) return { desired, ...kept };
    const freshPods =
      !prev?.appliedConfigRevision ||
      prev.currentRevision !== revision ||
      (prev.lastRollout?.revision === revision && prev.lastRollout.result === 'Progressing');
    if (freshPods || prev.appliedConfigRevision === desired) return { desired, applied: desired };
    const probe = await probeConfig(this.deps.rest, lhb, desired).catch((err: unknown) => {
      log.warn('reading the bridges’ config revision failed', { error: String(err) });
      return { ready: 0, applied: 0 };
    });
    if (probe.ready > 0 && probe.applied === probe.ready) return { desired, applied: desired };
    return {
      desired,
      ...kept,
      pending: `${probe.applied}/${probe.ready} ready bridges have loaded config ${desired}`,
    };
  }

  private async applyChildren(
    lhb: LighthouseBridge,
    applied: KubernetesObject[],
    log: Logger,
  ): Promise<void> {
    const { apis } = this.deps;
    const served = applied.filter((o) => {
      if (o.apiVersion === RESOURCES.cnpgCluster.apiVersion) return apis.cnpg();
      if (o.apiVersion === RESOURCES.objectStore.apiVersion) return apis.barman();
      return true;
    });
    const created: string[] = [];
    const failures: unknown[] = [];
    const secret = buildAuthSecret(lhb);
    const [secretResult, results] = await Promise.all([
      secret
        ? this.applier.createOnce(secret).catch((err: unknown) => (failures.push(err), 'failed'))
        : 'unchanged',
      Promise.allSettled(served.map((o) => this.applier.apply(o))),
    ]);
    if (secretResult === 'created') created.push(`Secret ${secret!.metadata!.name}`);
    results.forEach((r, i) => {
      const obj = served[i]!;
      if (r.status === 'rejected') failures.push(r.reason);
      else if (r.value.result === 'created') created.push(`${obj.kind} ${obj.metadata!.name}`);
      else if (r.value.result === 'updated')
        log.info('applied child', { kind: obj.kind, child: obj.metadata!.name, drift: r.value.drift });
    });
    const pruned: string[] = [];
    for (const t of PRUNABLE) {
      const keep = new Set(
        served.filter((o) => o.kind === t.kind).map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`),
      );
      pruned.push(...(await this.applier.prune(t.apiVersion, t.kind, lhb.metadata.uid!, keep)));
    }
    if (created.length > 0) {
      log.info('created children', { children: created });
      this.record(lhb, { type: 'Normal', reason: 'Created', message: `created ${created.join(', ')}` }, log);
    }
    if (pruned.length > 0) log.info('deleted children no longer asked for', { children: pruned });
    if (failures.length > 0) throw failures.find(terminal) ?? failures[0];
  }

  private record(lhb: LighthouseBridge, event: BridgeEvent, log: Logger): void {
    this.deps.events
      .record(lhb, event)
      .catch((err: unknown) =>
        log.warn('recording an event failed', { reason: event.reason, error: String(err) }),
      );
  }

  private async observeDatabase(lhb: LighthouseBridge): Promise<DatabaseObservation> {
    const mode = databaseMode(lhb.spec);
    const names = childNames(lhb.metadata.name);
    const ns = lhb.metadata.namespace;
    if (mode === 'managed') {
      const cluster = this.deps.children
        .get(informerKey(RESOURCES.cnpgCluster.apiVersion, 'Cluster'))
        ?.get(ns, names.database);
      return {
        mode,
        cnpgInstalled: this.deps.apis.cnpg(),
        clusterName: names.database,
        ...(cluster ? { cluster: cluster as CnpgCluster } : {}),
      };
    }
    if (mode === 'embedded') {
      const pvc = this.deps.children.get(informerKey('v1', 'PersistentVolumeClaim'))?.get(ns, names.data) as
        V1PersistentVolumeClaim | undefined;
      return { mode, ...(pvc?.status?.phase ? { pvcPhase: pvc.status.phase } : {}) };
    }
    const ref = lhb.spec.database.external!.secretRef;
    return { mode, externalSecret: await this.secretKeyState(ns, ref), externalRef: ref };
  }

  /** The user's master-key Secret, when the spec names one (otherwise the operator creates `<name>-auth`). */
  private async observeAuth(lhb: LighthouseBridge): Promise<AuthStatus | undefined> {
    const ref = lhb.spec.auth?.secretRef;
    if (!ref) return undefined;
    const namespace = lhb.metadata.namespace;
    return authStatus({ namespace, ...ref }, await this.secretKeyState(namespace, ref));
  }

  private async secretKeyState(
    namespace: string,
    ref: { name: string; key: string },
  ): Promise<ExternalSecretState> {
    try {
      // A read, not cached: the operator watches only Secrets it manages.
      const secret = await this.deps.rest.get<V1Secret>(resourcePath(RESOURCES.secret, namespace, ref.name));
      return secret.data?.[ref.key] !== undefined ? 'found' : 'key-missing';
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return 'missing';
    }
  }
}
