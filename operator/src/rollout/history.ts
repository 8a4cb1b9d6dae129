// Good pod templates kept as ControllerRevisions owned by the LighthouseBridge
// (garbage-collected with it), so a rollback can re-apply one after the spec,
// and the operator's memory, have moved on. Only the newest
// REVISION_HISTORY_LIMIT are kept, as a Deployment keeps its ReplicaSets.
import type { V1ControllerRevision, V1PodTemplateSpec } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { resourcePath, type ResourceType } from '../kube/resources.js';
import { isConflict, isNotFound, type RestClient } from '../kube/rest.js';
import { childMetadata, childNames, labels, labelSelector } from '../specs/labels.js';

/** Good templates kept per resource (a Deployment's revisionHistoryLimit default). */
export const REVISION_HISTORY_LIMIT = 10;

const CONTROLLER_REVISION: ResourceType = {
  apiVersion: 'apps/v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
};

export const revisionName = (lhb: LighthouseBridge, revision: string) =>
  `${childNames(lhb.metadata.name).bridge}-${revision}`;

/** The ControllerRevision holding `template` (a pure builder: spec → object). */
export function buildControllerRevision(
  lhb: LighthouseBridge,
  revision: string,
  template: V1PodTemplateSpec,
  ordinal = lhb.metadata.generation ?? 1,
): V1ControllerRevision {
  return {
    apiVersion: CONTROLLER_REVISION.apiVersion,
    kind: CONTROLLER_REVISION.kind,
    metadata: childMetadata(lhb, revisionName(lhb, revision), 'bridge'),
    data: { template },
    // The API wants an ordinal; the generation that produced the template is one.
    revision: ordinal,
  };
}

/** Names of the revisions to delete: all but the newest `keep`, never a protected revision. Pure. */
export function revisionsToPrune(
  lhb: LighthouseBridge,
  stored: V1ControllerRevision[],
  keep: number,
  protect: Set<string>,
): string[] {
  const prefix = revisionName(lhb, '');
  const ours = stored
    .filter((cr) => cr.metadata?.ownerReferences?.some((r) => r.uid === lhb.metadata.uid))
    .filter((cr) => cr.metadata?.name?.startsWith(prefix))
    // Newest first: the generation that produced it, then creation time.
    .sort(
      (a, b) =>
        b.revision - a.revision ||
        String(b.metadata?.creationTimestamp ?? '').localeCompare(
          String(a.metadata?.creationTimestamp ?? ''),
        ),
    );
  return ours
    .slice(keep)
    .map((cr) => cr.metadata!.name!)
    .filter((name) => !protect.has(name.slice(prefix.length)));
}

export class RevisionHistory {
  /** uid/revision pairs known to be stored: saves a read per reconcile. */
  private readonly stored = new Set<string>();

  constructor(
    private readonly rest: RestClient,
    private readonly limit = REVISION_HISTORY_LIMIT,
  ) {}

  /**
   * Stores `template` as good unless it already is, then prunes the history
   * (never a revision in `protect`). `ordinal` is the generation that made it good.
   * Returns true when it created the ControllerRevision.
   */
  async remember(
    lhb: LighthouseBridge,
    revision: string,
    template: V1PodTemplateSpec,
    protect: string[] = [],
    ordinal?: number,
  ): Promise<boolean> {
    const key = `${lhb.metadata.uid}/${revision}`;
    if (this.stored.has(key)) return false;
    if (await this.load(lhb, revision)) {
      this.stored.add(key);
      return false;
    }
    const path = resourcePath(CONTROLLER_REVISION, lhb.metadata.namespace);
    try {
      await this.rest.create(path, buildControllerRevision(lhb, revision, template, ordinal));
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    this.stored.add(key);
    await this.prune(lhb, new Set([revision, ...protect]));
    return true;
  }

  /** Deletes the revisions past the limit; a new good revision is the only time the history grows. */
  private async prune(lhb: LighthouseBridge, protect: Set<string>): Promise<void> {
    const ns = lhb.metadata.namespace;
    const { items } = await this.rest.list<V1ControllerRevision>(resourcePath(CONTROLLER_REVISION, ns), {
      labelSelector: labelSelector(labels(lhb, 'bridge')),
    });
    for (const name of revisionsToPrune(lhb, items, this.limit, protect)) {
      try {
        await this.rest.delete(resourcePath(CONTROLLER_REVISION, ns, name));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.stored.delete(`${lhb.metadata.uid}/${name.slice(revisionName(lhb, '').length)}`);
    }
  }

  /** The template stored for `revision`, if it was ever good. */
  async load(lhb: LighthouseBridge, revision: string): Promise<V1PodTemplateSpec | undefined> {
    const path = resourcePath(CONTROLLER_REVISION, lhb.metadata.namespace, revisionName(lhb, revision));
    try {
      const cr = await this.rest.get<V1ControllerRevision>(path);
      // Another owner's object of the same name is not our history.
      if (!cr.metadata?.ownerReferences?.some((r) => r.uid === lhb.metadata.uid)) return undefined;
      return (cr.data as { template?: V1PodTemplateSpec } | undefined)?.template;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
