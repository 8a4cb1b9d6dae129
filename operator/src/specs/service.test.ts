import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildService, endpointOf } from './service.js';

describe('buildService', () => {
  it('selects the bridge pods and exposes http and metrics', () => {
    const svc = buildService(sampleBridge());
    expect(svc.metadata).toMatchObject({ name: 'demo-bridge', namespace: 'team-a' });
    expect(svc.metadata!.labels!['app.kubernetes.io/component']).toBe('bridge');
    expect(svc.spec!.selector).toEqual({
      'app.kubernetes.io/name': 'lighthouse-bridge',
      'app.kubernetes.io/instance': 'demo',
      'app.kubernetes.io/component': 'bridge',
    });
    expect(svc.spec!.ports!.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['http', 8765, 'http'],
      ['metrics', 9090, 'http'],
    ]);
    expect(svc.metadata!.ownerReferences![0]!.controller).toBe(true);
  });

  it('names the endpoint by service DNS and port', () => {
    expect(endpointOf(sampleBridge())).toBe('demo-bridge.team-a.svc:8765');
  });
});
