// Wires informers, the work queue, the reconciler and the workers together
// (controller-runtime's "manager"): started when this process leads.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';

import { KIND, type LighthouseBridge } from '../api/types.js';
import { informerKey } from '../controller/children.js';
import { Controller, CONTROLLER_NAME } from '../controller/controller.js';
import { EventRecorder } from '../controller/events.js';
import { Reconciler } from '../controller/reconciler.js';
import { isServed } from '../informers/discovery.js';
import type { InformerHealth } from '../informers/informer.js';
import { InformerSet } from '../informers/informer-set.js';
import { RESOURCES, type ResourceType } from '../kube/resources.js';
import type { RestClient } from '../kube/rest.js';
import type { OperatorMetrics } from '../metrics/metrics.js';
import { defaultRateLimiter } from '../queue/rate-limiter.js';
import { WorkQueue } from '../queue/work-queue.js';
import { MANAGED_SELECTOR } from '../specs/labels.js';

export interface ManagerOptions {
  namespaces: string[];
  workers: number;
  resyncSeconds: number;
  relistSeconds?: number;
  discoverySeconds?: number;
}

const CORE_CHILDREN: ResourceType[] = [
  RESOURCES.deployment,
  RESOURCES.service,
  RESOURCES.serviceAccount,
  RESOURCES.configMap,
  RESOURCES.secret,
  RESOURCES.pvc,
  RESOURCES.hpa,
  RESOURCES.pdb,
  RESOURCES.networkPolicy,
];
/** Served only when CloudNativePG (and its Barman Cloud plugin) are installed. */
const OPTIONAL_CHILDREN: ResourceType[] = [
  RESOURCES.cnpgCluster,
  RESOURCES.scheduledBackup,
  RESOURCES.objectStore,
];

export class Manager {
  readonly queue: WorkQueue;
  readonly bridges: InformerSet<LighthouseBridge>;
  private readonly children = new Map<string, InformerSet<KubernetesObject>>();
  private readonly controller: Controller;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly served = new Set<string>();
  private started = false;

  constructor(
    private readonly rest: RestClient,
    private readonly options: ManagerOptions,
    private readonly metrics: OperatorMetrics,
    private readonly log: Logger,
  ) {
    this.queue = new WorkQueue(defaultRateLimiter(), metrics.queue(CONTROLLER_NAME));
    this.bridges = new InformerSet<LighthouseBridge>(
      rest,
      RESOURCES.bridge,
      options.namespaces,
      this.informerOptions(),
    );
    this.bridges.on((_event, obj) => this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`));
    const reconciler = new Reconciler({
      rest,
      bridges: this.bridges,
      children: this.children,
      events: new EventRecorder(rest),
      apis: {
        cnpg: () =>
          this.served.has(informerKey(RESOURCES.cnpgCluster.apiVersion, RESOURCES.cnpgCluster.kind)),
        barman: () =>
          this.served.has(informerKey(RESOURCES.objectStore.apiVersion, RESOURCES.objectStore.kind)),
      },
      log,
    });
    this.controller = new Controller(this.queue, reconciler, metrics, log);
  }

  private informerOptions() {
    return { ...(this.options.relistSeconds ? { relistIntervalMs: this.options.relistSeconds * 1000 } : {}) };
  }

  private addChildInformer(type: ResourceType): InformerSet<KubernetesObject> {
    const set = new InformerSet<KubernetesObject>(this.rest, type, this.options.namespaces, {
      ...this.informerOptions(),
      labelSelector: MANAGED_SELECTOR,
    });
    // A change to a child is a reason to reconcile its owner.
    set.on((_event, obj) => {
      const owner = obj.metadata?.ownerReferences?.find((r) => r.kind === KIND && r.controller);
      if (owner) this.queue.add(`${obj.metadata!.namespace}/${owner.name}`);
    });
    this.children.set(informerKey(type.apiVersion, type.kind), set);
    return set;
  }

  /** Finds newly installed optional APIs and starts watching them. */
  private async discover(): Promise<void> {
    const fresh: InformerSet<KubernetesObject>[] = [];
    for (const type of OPTIONAL_CHILDREN) {
      const key = informerKey(type.apiVersion, type.kind);
      if (this.served.has(key)) continue;
      try {
        if (!(await isServed(this.rest, type))) continue;
      } catch (err) {
        this.log.warn('API discovery failed', { api: key, error: String(err) });
        continue;
      }
      this.log.info('API is served: watching it', { api: key });
      fresh.push(this.addChildInformer(type));
    }
    await Promise.all(fresh.map((s) => s.start()));
    for (const s of fresh) this.served.add(informerKey(s.type.apiVersion, s.type.kind));
    if (fresh.length > 0 && this.started) this.enqueueAll();
  }

  private enqueueAll(): void {
    for (const b of this.bridges.list()) this.queue.add(`${b.metadata.namespace}/${b.metadata.name}`);
  }

  async start(): Promise<void> {
    for (const t of CORE_CHILDREN) this.addChildInformer(t);
    await this.discover();
    await Promise.all([this.bridges.start(), ...[...this.children.values()].map((s) => s.start())]);
    this.log.info('caches synced', { kinds: this.children.size + 1, bridges: this.bridges.list().length });
    this.controller.start(this.options.workers);
    this.started = true;
    // Reconcile everything now and then: cheap (no writes when nothing changed), and it heals anything missed.
    this.timers.push(setInterval(() => this.enqueueAll(), this.options.resyncSeconds * 1000));
    this.timers.push(setInterval(() => void this.discover(), (this.options.discoverySeconds ?? 30) * 1000));
  }

  health(): InformerHealth[] {
    return [this.bridges, ...this.children.values()].flatMap((s) => s.health());
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.controller.stop();
    await Promise.all([this.bridges.stop(), ...[...this.children.values()].map((s) => s.stop())]);
  }
}
