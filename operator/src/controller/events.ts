// Kubernetes Events for what a person should see, derived from status
// transitions (so a steady state emits none), and a recorder that posts them.
import { randomBytes } from 'node:crypto';

import type { LighthouseBridge, LighthouseBridgeStatus } from '../api/types.js';
import { RESOURCES, resourcePath } from '../kube/resources.js';
import type { RestClient } from '../kube/rest.js';
import { conditionOf } from './conditions.js';

export interface BridgeEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export function transitionEvents(
  prev: LighthouseBridgeStatus | undefined,
  next: LighthouseBridgeStatus,
): BridgeEvent[] {
  const out: BridgeEvent[] = [];
  const before = (t: Parameters<typeof conditionOf>[1]) => conditionOf(prev?.conditions, t);
  const after = (t: Parameters<typeof conditionOf>[1]) => conditionOf(next.conditions, t);

  const db = after('DatabaseReady');
  const dbBefore = before('DatabaseReady');
  if (db && (db.status !== dbBefore?.status || db.reason !== dbBefore?.reason)) {
    if (db.status === 'True') out.push({ type: 'Normal', reason: 'DatabaseReady', message: db.message });
    else if (db.reason === 'CloudNativePGNotInstalled')
      out.push({ type: 'Warning', reason: 'CloudNativePGNotInstalled', message: db.message });
    else out.push({ type: 'Normal', reason: 'DatabaseWaiting', message: db.message });
  }

  const r = next.lastRollout;
  const rBefore = prev?.lastRollout;
  if (r && (r.revision !== rBefore?.revision || r.startedAt !== rBefore?.startedAt)) {
    out.push({ type: 'Normal', reason: 'RolloutStarted', message: `rolling out revision ${r.revision}` });
  }
  if (r && r.result !== 'Progressing' && (r.result !== rBefore?.result || r.revision !== rBefore?.revision)) {
    if (r.result === 'Succeeded')
      out.push({ type: 'Normal', reason: 'RolloutFinished', message: `revision ${r.revision} is available` });
    else
      out.push({ type: 'Warning', reason: 'RolloutFailed', message: `revision ${r.revision}: ${r.result}` });
  }

  const stalled = after('Stalled');
  if (stalled?.status === 'True' && before('Stalled')?.status !== 'True') {
    out.push({ type: 'Warning', reason: stalled.reason, message: stalled.message });
  }

  const ready = after('Ready');
  const readyBefore = before('Ready');
  if (ready?.status === 'True' && readyBefore?.status !== 'True') {
    out.push({ type: 'Normal', reason: 'Ready', message: ready.message });
  } else if (ready?.status !== 'True' && readyBefore?.status === 'True') {
    out.push({ type: 'Warning', reason: 'NotReady', message: ready?.message ?? '' });
  }
  return out;
}

export class EventRecorder {
  constructor(
    private readonly rest: RestClient,
    private readonly component = 'lighthouse-operator',
  ) {}

  async record(lhb: LighthouseBridge, event: BridgeEvent): Promise<void> {
    const now = new Date().toISOString();
    const namespace = lhb.metadata.namespace;
    await this.rest.create(resourcePath(RESOURCES.event, namespace), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${lhb.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: lhb.apiVersion,
        kind: lhb.kind,
        name: lhb.metadata.name,
        namespace,
        uid: lhb.metadata.uid,
        resourceVersion: lhb.metadata.resourceVersion,
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }
}
