import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadKubeConfig } from './client.js';

describe('loadKubeConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a kubeconfig file with @kubernetes/client-node (ESM) and exposes its cluster', () => {
    const file = path.join(dir, 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: ns}}]
current-context: ctx
`,
    );
    const kc = loadKubeConfig(file);
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(kc.getContextObject('ctx')?.namespace).toBe('ns');
  });
});
