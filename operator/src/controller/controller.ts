// Workers that take keys from the queue and reconcile them, with
// controller-runtime's result accounting (success, error, requeue_after).
import type { Logger } from 'winston';

import type { OperatorMetrics } from '../metrics/metrics.js';
import type { WorkQueue } from '../queue/work-queue.js';
import type { Reconciler } from './reconciler.js';

export const CONTROLLER_NAME = 'lighthousebridge';

export class Controller {
  private workers: Promise<void>[] = [];

  constructor(
    private readonly queue: WorkQueue,
    private readonly reconciler: Reconciler,
    private readonly metrics: OperatorMetrics,
    private readonly log: Logger,
  ) {}

  start(workers: number): void {
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const [namespace = '', name = ''] = key.split('/');
      const end = this.metrics.reconcileTime.startTimer({ controller: CONTROLLER_NAME });
      try {
        const outcome = await this.reconciler.reconcile(namespace, name);
        this.queue.forget(key);
        if (outcome.requeueAfterMs) {
          this.queue.addAfter(key, outcome.requeueAfterMs);
          this.metrics.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: 'requeue_after' });
        } else {
          this.metrics.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: 'success' });
        }
      } catch (err) {
        this.metrics.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: 'error' });
        this.metrics.reconcileErrors.inc({ controller: CONTROLLER_NAME });
        this.log.error('reconcile failed', {
          namespace,
          name,
          error: err instanceof Error ? err.message : String(err),
          retries: this.queue.retries(key),
        });
        this.queue.addRateLimited(key);
      } finally {
        end();
        this.queue.done(key);
      }
    }
  }
}
