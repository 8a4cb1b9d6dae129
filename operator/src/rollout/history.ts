// Good pod templates kept as ControllerRevisions owned by the LighthouseBridge
// (garbage-collected with it), so a rollback can re-apply one after the spec,
// and the operator's memory, have moved on.
import type { V1ControllerRevision, V1PodTemplateSpec } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { resourcePath, type ResourceType } from '../kube/resources.js';
import { isConflict, isNotFound, type RestClient } from '../kube/rest.js';
import { childMetadata, childNames } from '../specs/labels.js';

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
): V1ControllerRevision {
  return {
    apiVersion: CONTROLLER_REVISION.apiVersion,
    kind: CONTROLLER_REVISION.kind,
    metadata: childMetadata(lhb, revisionName(lhb, revision), 'bridge'),
    data: { template },
    // The API wants an ordinal; the generation that produced the template is one.
    revision: lhb.metadata.generation ?? 1,
  };
}

export class RevisionHistory {
  /** uid/revision pairs known to be stored: saves a read per reconcile. */
  private readonly stored = new Set<string>();

  constructor(private readonly rest: RestClient) {}

  /** Stores `template` as good unless it already is. Returns true when it created the ControllerRevision. */
  async remember(lhb: LighthouseBridge, revision: string, template: V1PodTemplateSpec): Promise<boolean> {
    const key = `${lhb.metadata.uid}/${revision}`;
    if (this.stored.has(key)) return false;
    if (await this.load(lhb, revision)) {
      this.stored.add(key);
      return false;
    }
    const path = resourcePath(CONTROLLER_REVISION, lhb.metadata.namespace);
    try {
      await this.rest.create(path, buildControllerRevision(lhb, revision, template));
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    this.stored.add(key);
    return true;
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
