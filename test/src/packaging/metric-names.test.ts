import { describe, expect, it } from '@jest/globals';

import { exposedMetricNames, promqlMetricNames } from './metric-names.js';

describe('promqlMetricNames', () => {
  it('finds the metrics and skips functions, grouping labels, matchers and durations', () => {
    const expr = `histogram_quantile(0.99, sum by (namespace, le) (rate(a_seconds_bucket{job=~"x.+", phase="Running"}[5m]))) > 0.1
      and on (namespace) b_total / ignoring(pod) c_total unless up{job="y"} == 0`;
    expect([...promqlMetricNames(expr)].sort()).toEqual(['a_seconds_bucket', 'b_total', 'c_total', 'up']);
  });

  it('finds nothing in a constant expression', () => {
    expect(promqlMetricNames('vector(1) > bool 0').size).toBe(0);
  });
});

describe('exposedMetricNames', () => {
  it('declares histogram series and plain counters from TYPE lines, even without samples', () => {
    const text = [
      '# HELP h_seconds x',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{le="1"} 0',
      '# HELP c_total y',
      '# TYPE c_total counter',
      '',
    ].join('\n');
    expect([...exposedMetricNames(text)].sort()).toEqual([
      'c_total',
      'h_seconds',
      'h_seconds_bucket',
      'h_seconds_count',
      'h_seconds_sum',
    ]);
  });
});
