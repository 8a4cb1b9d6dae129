// Prometheus metrics under controller-runtime's names, so existing operator
// dashboards work, plus lighthouse_operator_bridges{phase}.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { PHASES, type LighthouseBridge } from '../api/types.js';
import type { QueueMetrics } from '../queue/work-queue.js';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'leader_election_master_status',
    help: '1 while this process is the leader',
    labelNames: ['name'],
    registers: [this.registry],
  });

  constructor(bridges: () => LighthouseBridge[] = () => []) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'lighthouse_operator_bridges',
      help: 'LighthouseBridge resources by status phase',
      labelNames: ['phase'],
      registers: [this.registry],
      collect() {
        const counts = new Map<string, number>(PHASES.map((p) => [p, 0]));
        for (const b of bridges()) {
          const phase = b.status?.phase ?? 'Pending';
          counts.set(phase, (counts.get(phase) ?? 0) + 1);
        }
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
  }

  queue(name: string): QueueMetrics {
    return {
      added: () => this.queueAdds.inc({ name }),
      depth: (n) => this.queueDepth.set({ name }, n),
      retried: () => this.queueRetries.inc({ name }),
    };
  }
}
