// The metric names the chart's PrometheusRule and Grafana dashboard read, as the chart renders them.
import { parseAllDocuments } from 'yaml';

import { chartDir, helm } from './helm.js';
import { promqlMetricNames, SCRAPE_METRICS } from './metric-names.js';

interface Dashboard {
  panels: { targets?: { expr: string }[] }[];
  templating: { list: { definition?: string }[] };
}

export async function monitoredMetricNames(): Promise<Set<string>> {
  const out = await helm([
    'template',
    'lh',
    chartDir,
    '--set',
    'prometheusRule.enabled=true,grafanaDashboard.enabled=true',
    '--show-only',
    'templates/prometheusrule.yaml',
    '--show-only',
    'templates/grafana-dashboard.yaml',
  ]);
  const docs = parseAllDocuments(out).map((d) => d.toJS() as Record<string, unknown>);
  const exprs: string[] = [];
  for (const doc of docs) {
    if (doc.kind === 'PrometheusRule') {
      const spec = doc.spec as { groups: { rules: { expr: string }[] }[] };
      for (const g of spec.groups) for (const r of g.rules) exprs.push(r.expr);
    } else if (doc.kind === 'ConfigMap') {
      const data = doc.data as Record<string, string>;
      const dashboard = JSON.parse(data['lighthouse.json']!) as Dashboard;
      for (const p of dashboard.panels) for (const t of p.targets ?? []) exprs.push(t.expr);
      // label_values(metric, label): only the metric is a metric.
      for (const v of dashboard.templating.list) {
        const m = /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(v.definition ?? '');
        if (m) exprs.push(m[1]!);
      }
    }
  }
  if (exprs.length === 0) throw new Error('the chart rendered no PrometheusRule or dashboard expressions');
  const names = new Set<string>();
  for (const e of exprs) for (const n of promqlMetricNames(e)) if (!SCRAPE_METRICS.has(n)) names.add(n);
  return names;
}
