// The helm binary and the chart's renderings shared by the packaging tests and
// `make manifests` (which writes k8s/install/ and k8s/monitoring/ from the chart).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const chartDir = path.join(repo, 'charts', 'lighthouse');

/** $LIGHTHOUSE_HELM, else the helm of the control-plane build (`make controlplane`). */
export function helmBinary(): string {
  const fromEnv = process.env.LIGHTHOUSE_HELM;
  if (fromEnv) return fromEnv;
  const dir = execFileSync('bash', [path.join(repo, 'test', 'controlplane', 'build.sh'), '--print-dir'], {
    encoding: 'utf8',
  }).trim();
  const helm = path.join(dir, 'bin', 'helm');
  if (!existsSync(helm)) {
    throw new Error(`no helm at ${helm}: run \`make controlplane\` or set LIGHTHOUSE_HELM`);
  }
  return helm;
}

/** Runs helm; rejects with helm's own error text (e.g. the values schema's message). */
export async function helm(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    return (await run(helmBinary(), args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(e.stderr?.trim() || e.message);
  }
}

export const INSTALL_NAMESPACE = 'lighthouse-system';
export const RELEASE = 'lighthouse';

const header = (what: string) =>
  [
    `# ${what}`,
    '# Generated from charts/lighthouse by `make manifests`; do not edit (a test re-renders and compares).',
    '',
  ].join('\n');

/** k8s/install/lighthouse.yaml: the namespace, the CRDs and the operator with the chart's defaults. */
export async function renderInstall(): Promise<string> {
  const rendered = await helm([
    'template',
    RELEASE,
    chartDir,
    '--namespace',
    INSTALL_NAMESPACE,
    '--include-crds',
  ]);
  const namespace = [
    '---',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${INSTALL_NAMESPACE}`,
    '',
  ].join('\n');
  return (
    header(`Lighthouse operator without Helm: kubectl apply --server-side -f k8s/install/lighthouse.yaml`) +
    namespace +
    rendered
  );
}

/** k8s/monitoring/lighthouse.yaml: ServiceMonitors, PrometheusRule and the Grafana dashboard. */
export async function renderMonitoring(): Promise<string> {
  const rendered = await helm([
    'template',
    RELEASE,
    chartDir,
    '--namespace',
    INSTALL_NAMESPACE,
    '--set',
    'metrics.serviceMonitor.enabled=true,prometheusRule.enabled=true,grafanaDashboard.enabled=true',
    '--show-only',
    'templates/servicemonitor.yaml',
    '--show-only',
    'templates/prometheusrule.yaml',
    '--show-only',
    'templates/grafana-dashboard.yaml',
  ]);
  return header('Monitoring for Lighthouse (needs the Prometheus operator CRDs)') + rendered;
}

export const MANIFESTS = {
  'k8s/install/lighthouse.yaml': renderInstall,
  'k8s/monitoring/lighthouse.yaml': renderMonitoring,
} as const;
