// helm works against the control plane (the chart tests build on this): a tiny
// chart with a kubeVersion constraint installs, which also proves the API
// server reports its real version.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from './testing.js';

const ns = useNamespace('helm');
const chartDir = mkdtempSync(path.join(os.tmpdir(), 'lighthouse-chart-'));
afterAll(() => rmSync(chartDir, { recursive: true, force: true }));

function writeChart(): string {
  const dir = path.join(chartDir, 'throwaway');
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  writeFileSync(
    path.join(dir, 'Chart.yaml'),
    ['apiVersion: v2', 'name: throwaway', 'version: 0.1.0', "kubeVersion: '>= 1.30.0-0'", ''].join('\n'),
  );
  writeFileSync(path.join(dir, 'values.yaml'), 'greeting: hello\n');
  writeFileSync(
    path.join(dir, 'templates', 'configmap.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-greeting',
      'data:',
      '  greeting: {{ .Values.greeting | quote }}',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('helm', () => {
  it('installs a chart into the control plane', async () => {
    const cp = controlPlane();
    const chart = writeChart();
    await cp.helm([
      'install',
      'demo',
      chart,
      '--namespace',
      ns(),
      '--set',
      'greeting=hi',
      '--wait',
      '--timeout',
      '60s',
    ]);

    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const cm = await core.readNamespacedConfigMap({ name: 'demo-greeting', namespace: ns() });
    expect(cm.data).toEqual({ greeting: 'hi' });
    const releases = JSON.parse(await cp.helm(['list', '--namespace', ns(), '--output', 'json'])) as {
      name: string;
      status: string;
    }[];
    expect(releases).toEqual([expect.objectContaining({ name: 'demo', status: 'deployed' })]);

    await cp.helm(['uninstall', 'demo', '--namespace', ns(), '--wait']);
    const left = await core.listNamespacedConfigMap({
      namespace: ns(),
      fieldSelector: 'metadata.name=demo-greeting',
    });
    expect(left.items).toHaveLength(0);
  }, 90_000);
});
