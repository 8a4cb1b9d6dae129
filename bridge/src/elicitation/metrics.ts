// Elicitation metrics, on the bridge's registry. Counted by the replica that
// wrote the outcome, so a fleet's sum counts each elicitation once.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Outcome } from './state.js';

export class ElicitationMetrics {
  readonly outcomes: Counter<'outcome'>;
  readonly duration: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.outcomes = new Counter({
      name: 'lighthouse_bridge_elicitations_total',
      help: 'Elicitations that reached an outcome, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'lighthouse_bridge_elicitation_duration_seconds',
      help: 'Time from an elicitation being created to its outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600],
      registers: [registry],
    });
  }

  record(outcome: Outcome, seconds: number): void {
    this.outcomes.inc({ outcome });
    this.duration.observe({ outcome }, Math.max(0, seconds));
  }
}
