import { describe, expect, it } from '@jest/globals';

import { parseOptions } from './options.js';

describe('parseOptions', () => {
  it('has defaults, reads the environment, and flags win over it', () => {
    const o = parseOptions([], {});
    expect(o).toMatchObject({
      watchNamespaces: [],
      metricsPort: 8080,
      leaderElection: true,
      leaderElectionNamespace: 'default',
      leaderElectionId: 'lighthouse-operator',
      workers: 8,
      discoverySeconds: 30,
      logLevel: 'info',
    });
    const e = parseOptions(['--metrics-port=9000'], {
      METRICS_PORT: '1234',
      WATCH_NAMESPACES: 'a, b',
      LEADER_ELECTION: 'false',
      POD_NAMESPACE: 'ops',
      KUBECONFIG: '/k',
    });
    expect(e).toMatchObject({
      metricsPort: 9000,
      watchNamespaces: ['a', 'b'],
      leaderElection: false,
      leaderElectionNamespace: 'ops',
      kubeconfig: '/k',
    });
  });

  it('refuses bad values with one line naming the setting', () => {
    expect(() => parseOptions(['--metrics-port=x'], {})).toThrow(
      '--metrics-port (METRICS_PORT): expected an integer from 0 to 65535, got "x"',
    );
    expect(() => parseOptions([], { LEADER_ELECTION: 'yes' })).toThrow(/LEADER_ELECTION.*true or false/);
    expect(() => parseOptions([], { WATCH_NAMESPACES: 'Bad_NS' })).toThrow(/not a namespace name/);
    expect(() => parseOptions(['--nope=1'], {})).toThrow(/unknown argument --nope=1/);
    expect(() => parseOptions([], { LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
