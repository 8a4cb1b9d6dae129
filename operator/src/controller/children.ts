// Applies children with server-side apply, but only when the cached live
// object differs from what we would send: an unchanged resource costs no write.
import type { KubernetesObject } from '@kubernetes/client-node';

import type { ObjectCache } from '../informers/informer-set.js';
import { resourcePath, typeOfKind } from '../kube/resources.js';
import { isConflict, isNotFound, KubeApiError, type RestClient } from '../kube/rest.js';
import { FIELD_MANAGER } from '../specs/labels.js';
import { revisionOf } from '../specs/revision.js';
import { firstDifference } from './compare.js';
import { handOverReplicas } from './replicas-handover.js';

/**
 * Hash of what we last applied. When we stop setting a field, the hash changes
 * and we apply again (server-side apply then removes the field we owned).
 */
export const APPLIED_ANNOTATION = 'lighthouse.dev/applied';

export type ApplyResult = 'created' | 'updated' | 'unchanged';

export const informerKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

export class ChildApplier {
  constructor(
    private readonly rest: RestClient,
    /** Informers by informerKey(apiVersion, kind). */
    private readonly informers: Map<string, ObjectCache<KubernetesObject>>,
  ) {}

  private informer(obj: KubernetesObject): ObjectCache<KubernetesObject> {
    const inf = this.informers.get(informerKey(obj.apiVersion!, obj.kind!));
    if (!inf) throw new Error(`no informer for ${obj.apiVersion} ${obj.kind}`);
    return inf;
  }

  /** The object as we apply it: with the hash of its content as an annotation. */
  static withAppliedHash<T extends KubernetesObject>(obj: T): T {
    const hash = revisionOf(obj);
    return {
      ...obj,
      metadata: {
        ...obj.metadata,
        annotations: { ...obj.metadata?.annotations, [APPLIED_ANNOTATION]: hash },
      },
    };
  }

  /** Why `live` needs a write to become `desired`, or undefined. */
  static drift(desired: KubernetesObject, live: KubernetesObject | undefined): string | undefined {
    if (!live) return 'absent';
    return firstDifference(desired, live);
  }

  async apply(obj: KubernetesObject): Promise<{ result: ApplyResult; drift?: string }> {
    const desired = ChildApplier.withAppliedHash(obj);
    const inf = this.informer(desired);
    const { namespace, name } = desired.metadata as { namespace: string; name: string };
    const live = inf.get(namespace, name);
    const drift = ChildApplier.drift(desired, live);
    if (!drift) return { result: 'unchanged' };
    const path = resourcePath(typeOfKind(desired.apiVersion!, desired.kind!), namespace, name);
    // Under autoscaling the Deployment is applied without replicas: hand the count over first.
    await handOverReplicas(this.rest, path, desired, live);
    try {
      inf.upsert(await this.rest.apply(path, desired, FIELD_MANAGER));
    } catch (err) {
      // An edit can change the key of a list entry we own (a Service port's
      // number): apply then keeps both entries and the result is invalid. A
      // merge patch replaces our lists wholesale and puts the object back.
      if (!live || !(err instanceof KubeApiError) || err.status !== 422) throw err;
      inf.upsert(await this.rest.mergePatch(path, desired, FIELD_MANAGER));
      return { result: 'updated', drift: `${drift} (merge patch: ${err.message})` };
    }
    return { result: live ? 'updated' : 'created', drift };
  }

  /** Creates `obj` if it does not exist; never modifies an existing one (generated secrets). */
  async createOnce(obj: KubernetesObject): Promise<ApplyResult> {
    const inf = this.informer(obj);
    const { namespace, name } = obj.metadata as { namespace: string; name: string };
    if (inf.get(namespace, name)) return 'unchanged';
    const t = typeOfKind(obj.apiVersion!, obj.kind!);
    try {
      inf.upsert(await this.rest.create(resourcePath(t, namespace), obj));
      return 'created';
    } catch (err) {
      // Our cache was behind: it exists, and it stays as it is.
      if (isConflict(err)) return 'unchanged';
      throw err;
    }
  }

  /** Deletes children of `ownerUid` of this kind that are no longer desired. */
  async prune(apiVersion: string, kind: string, ownerUid: string, keep: Set<string>): Promise<string[]> {
    const inf = this.informers.get(informerKey(apiVersion, kind));
    if (!inf) return [];
    const stale = inf
      .list()
      .filter(
        (o) =>
          o.metadata?.ownerReferences?.some((r) => r.uid === ownerUid && r.controller) &&
          !keep.has(`${o.metadata.namespace}/${o.metadata.name}`),
      );
    const t = typeOfKind(apiVersion, kind);
    for (const o of stale) {
      await this.rest
        .delete(resourcePath(t, o.metadata!.namespace, o.metadata!.name), { propagationPolicy: 'Background' })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
    return stale.map((o) => `${kind} ${o.metadata!.name}`);
  }
}
