import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { fromKubeconfigFile, inCluster, loadClusterAccess } from './kubeconfig.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const scratch = mkdtempSync(path.join(tmpdir(), 'kc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(content: object | string): string {
  const dir = mkdtempSync(path.join(scratch, 'config-'));
  const file = path.join(dir, 'config');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const config = (
  user: object,
  cluster: object = { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA') },
) => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'c', cluster }],
  users: [{ name: 'u', user }],
  contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
  'current-context': 'x',
});

describe('cluster access', () => {
  it('reads client certificates and the CA from data fields (YAML or JSON)', () => {
    const a = fromKubeconfigFile(
      write(config({ 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') })),
    );
    expect(a.server).toBe('https://127.0.0.1:6443');
    expect(a.ca!.toString()).toBe('CA');
    expect(a.cert!.toString()).toBe('CERT');
    expect(a.key!.toString()).toBe('KEY');
    expect(a.token()).toBeUndefined();
    const yaml = write(`apiVersion: v1
clusters: [{name: c, cluster: {server: "https://h:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: abc}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
    const t = fromKubeconfigFile(yaml);
    expect(t.token()).toBe('abc');
    expect(t.insecureSkipTlsVerify).toBe(true);
  });

  it('reads files relative to the kubeconfig and a token file', () => {
    const file = write(
      config({ tokenFile: 'tok' }, { server: 'https://h:1', 'certificate-authority': 'ca.pem' }),
    );
    writeFileSync(path.join(path.dirname(file), 'ca.pem'), 'FILECA');
    writeFileSync(path.join(path.dirname(file), 'tok'), 'from-file\n');
    const a = fromKubeconfigFile(file);
    expect(a.ca!.toString()).toBe('FILECA');
    expect(a.token()).toBe('from-file');
  });

  it('refuses exec plugins and a missing context with a clear message', () => {
    expect(() => fromKubeconfigFile(write(config({ exec: { command: 'aws' } })))).toThrow(
      /exec plugin or auth provider/,
    );
    expect(() => fromKubeconfigFile(write({ ...config({}), 'current-context': 'nope' }))).toThrow(
      /current-context "nope" not found/,
    );
  });

  it('uses the service account inside a cluster, and says what to do outside one', () => {
    const dir = mkdtempSync(path.join(scratch, 'sa-'));
    writeFileSync(path.join(dir, 'ca.crt'), 'SACA');
    writeFileSync(path.join(dir, 'token'), 'satoken');
    const a = inCluster({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    expect(a.server).toBe('https://10.0.0.1:443');
    expect(a.token()).toBe('satoken');
    expect(inCluster({ KUBERNETES_SERVICE_HOST: 'fd00::1' }, dir).server).toBe('https://[fd00::1]:443');
    expect(() => inCluster({})).toThrow(/KUBERNETES_SERVICE_HOST is not set/);
  });

  it('prefers the flag, then KUBECONFIG', () => {
    const a = write(config({ token: 'a' }));
    const b = write(config({ token: 'b' }));
    expect(loadClusterAccess(a, { KUBECONFIG: b }).token()).toBe('a');
    expect(loadClusterAccess(undefined, { KUBECONFIG: b }).token()).toBe('b');
  });
});
