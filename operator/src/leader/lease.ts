// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
// a holder renews every retry period; a candidate takes the lease once the
// record it observed has not changed for a lease duration (measured on its own
// clock, so clock skew between machines does not matter); a leader that cannot
// renew within the renew deadline steps down.
import type { V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'winston';

import { RESOURCES, resourcePath } from '../kube/resources.js';
import { isConflict, isNotFound, type RestClient } from '../kube/rest.js';

export interface LeaderElectionOptions {
  rest: RestClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
}

/** Lease times are MicroTime: RFC 3339 with microseconds. */
const microTime = (d: Date) => d.toISOString().replace(/Z$/, '000Z');

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export class LeaderElector {
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observedVersion: string | undefined;
  private observedAt = 0;
  private leading = false;

  constructor(private readonly o: LeaderElectionOptions) {
    this.leaseMs = o.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryMs = o.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get path() {
    return resourcePath(RESOURCES.lease, this.o.namespace, this.o.name);
  }

  /**
   * Campaigns until elected, calls `lead` (which runs until leadership ends),
   * renews meanwhile; resolves with 'lost' when renewal failed past the
   * deadline, or 'stopped' when `signal` aborted (the lease is then released).
   */
  async run(signal: AbortSignal, lead: () => void): Promise<'lost' | 'stopped'> {
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) await sleep(this.retryMs, signal);
    if (signal.aborted) return 'stopped';
    this.leading = true;
    this.o.log.info('became leader', {
      lease: `${this.o.namespace}/${this.o.name}`,
      identity: this.o.identity,
    });
    lead();
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.retryMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) lastRenew = Date.now();
      else if (Date.now() - lastRenew > this.renewDeadlineMs) {
        this.leading = false;
        this.o.log.error('lost leadership: could not renew the lease within the renew deadline');
        return 'lost';
      }
    }
    await this.release();
    this.leading = false;
    return 'stopped';
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const spec = (holder: string, acquireTime: string, transitions: number) => ({
      holderIdentity: holder,
      leaseDurationSeconds: Math.round(this.leaseMs / 1000),
      acquireTime,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    });
    let lease: V1Lease;
    try {
      lease = await this.call<V1Lease>('GET', this.path);
    } catch (err) {
      if (!isNotFound(err)) return this.failed(err);
      try {
        await this.call('POST', resourcePath(RESOURCES.lease, this.o.namespace), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: spec(this.o.identity, microTime(now), 0),
        });
        return true;
      } catch (e) {
        return isConflict(e) ? false : this.failed(e);
      }
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const version = lease.metadata?.resourceVersion;
    if (version !== this.observedVersion) {
      this.observedVersion = version;
      this.observedAt = Date.now();
    }
    const mine = holder === this.o.identity;
    if (holder && !mine && Date.now() - this.observedAt < this.leaseMs) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const acquired = mine && lease.spec?.acquireTime ? String(lease.spec.acquireTime) : microTime(now);
    try {
      const updated = await this.call<V1Lease>('PUT', this.path, {
        ...lease,
        spec: spec(this.o.identity, acquired, transitions),
      });
      this.observedVersion = updated.metadata?.resourceVersion;
      this.observedAt = Date.now();
      return true;
    } catch (err) {
      return isConflict(err) ? false : this.failed(err);
    }
  }

  /**
   * A lease request bounded by the retry period: one that hangs (a connection the
   * network blackholes) must not keep a leader that cannot renew from stepping down.
   */
  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.o.rest.request<T>(method, path, {
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(this.retryMs),
    });
  }

  private failed(err: unknown): false {
    this.o.log.warn('lease request failed', { error: err instanceof Error ? err.message : String(err) });
    return false;
  }

  /** Hands the lease over at once instead of making the next leader wait a lease duration. */
  private async release(): Promise<void> {
    try {
      const lease = await this.call<V1Lease>('GET', this.path);
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      await this.call('PUT', this.path, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
      });
      this.o.log.info('released the lease');
    } catch (err) {
      this.o.log.warn('releasing the lease failed', { error: String(err) });
    }
  }
}
