import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { OperatorMetrics } from './metrics.js';

describe('OperatorMetrics', () => {
  it("exposes controller-runtime's names and bridges by phase", async () => {
    const running = { ...sampleBridge(), status: { phase: 'Running' as const } };
    const m = new OperatorMetrics(() => [running, running, sampleBridge()]);
    m.reconcileTotal.inc({ controller: 'lighthousebridge', result: 'success' });
    m.queue('lighthousebridge').added();
    m.queue('lighthousebridge').retried();
    m.queue('lighthousebridge').depth(3);
    const text = await m.registry.metrics();
    expect(text).toContain(
      'controller_runtime_reconcile_total{controller="lighthousebridge",result="success"} 1',
    );
    expect(text).toContain('workqueue_adds_total{name="lighthousebridge"} 1');
    expect(text).toContain('workqueue_retries_total{name="lighthousebridge"} 1');
    expect(text).toContain('workqueue_depth{name="lighthousebridge"} 3');
    expect(text).toContain('# TYPE controller_runtime_reconcile_time_seconds histogram');
    expect(text).toContain('# TYPE controller_runtime_reconcile_errors_total counter');
    expect(text).toContain('lighthouse_operator_bridges{phase="Running"} 2');
    expect(text).toContain('lighthouse_operator_bridges{phase="Pending"} 1');
    expect(text).toContain('process_resident_memory_bytes');
  });
});
