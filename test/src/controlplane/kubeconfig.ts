// Kubeconfig files with embedded certificates (JSON, which every YAML reader accepts).
import { readFileSync, writeFileSync } from 'node:fs';

export interface KubeconfigUser {
  name: string;
  certFile: string;
  keyFile: string;
}

export function writeKubeconfig(file: string, server: string, caFile: string, user: KubeconfigUser): string {
  const b64 = (f: string) => readFileSync(f).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lighthouse-test', cluster: { server, 'certificate-authority-data': b64(caFile) } }],
    users: [
      {
        name: user.name,
        user: { 'client-certificate-data': b64(user.certFile), 'client-key-data': b64(user.keyFile) },
      },
    ],
    contexts: [{ name: user.name, context: { cluster: 'lighthouse-test', user: user.name } }],
    'current-context': user.name,
    preferences: {},
  };
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return file;
}
