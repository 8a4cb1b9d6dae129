// Where the API server is and how to authenticate, from a kubeconfig file or
// the in-cluster service account. Deliberately small: client-node's KubeConfig
// pulls in its whole generated API (about 80 MiB of RSS), more than the
// operator's cache of 1,000 resources. Supported: client certificates, bearer
// tokens (inline or file, re-read so projected tokens can rotate), CA data or
// file, insecure-skip-tls-verify. Exec plugins and auth providers are refused
// with a message saying so.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parse } from 'yaml';

export interface ClusterAccess {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify?: boolean;
  /** The bearer token to send now, if any. */
  token(): string | undefined;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Named<T> {
  name: string;
  [k: string]: unknown;
  value?: T;
}
interface KubeconfigFile {
  clusters?: Named<unknown>[];
  users?: Named<unknown>[];
  contexts?: Named<unknown>[];
  'current-context'?: string;
}

const pick = <T>(
  list: Named<unknown>[] | undefined,
  name: string | undefined,
  field: string,
): T | undefined => list?.find((x) => x.name === name)?.[field] as T | undefined;

function fileOrData(base: string, file: unknown, data: unknown): Buffer | undefined {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file) return readFileSync(path.resolve(base, file));
  return undefined;
}

function tokenFromFile(file: string): () => string | undefined {
  let cached = '';
  let readAt = 0;
  return () => {
    // Re-read every minute: kubelet rotates projected service account tokens.
    if (Date.now() - readAt > 60_000) {
      cached = readFileSync(file, 'utf8').trim();
      readAt = Date.now();
    }
    return cached;
  };
}

export function fromKubeconfigFile(file: string): ClusterAccess {
  const doc = parse(readFileSync(file, 'utf8')) as KubeconfigFile;
  const base = path.dirname(file);
  const contextName = doc['current-context'];
  const context = pick<{ cluster?: string; user?: string }>(doc.contexts, contextName, 'context');
  if (!context) throw new Error(`${file}: current-context "${contextName ?? ''}" not found`);
  const cluster = pick<Record<string, unknown>>(doc.clusters, context.cluster, 'cluster');
  if (!cluster || typeof cluster.server !== 'string')
    throw new Error(`${file}: cluster "${context.cluster}" has no server`);
  const user = pick<Record<string, unknown>>(doc.users, context.user, 'user') ?? {};
  if (user.exec || user['auth-provider']) {
    throw new Error(
      `${file}: user "${context.user}" uses an exec plugin or auth provider, which the operator does not support; use a client certificate or a token`,
    );
  }
  const access: ClusterAccess = {
    server: cluster.server,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    token: () => undefined,
  };
  const ca = fileOrData(base, cluster['certificate-authority'], cluster['certificate-authority-data']);
  const cert = fileOrData(base, user['client-certificate'], user['client-certificate-data']);
  const key = fileOrData(base, user['client-key'], user['client-key-data']);
  if (ca) access.ca = ca;
  if (cert) access.cert = cert;
  if (key) access.key = key;
  if (typeof user.token === 'string') {
    const token = user.token;
    access.token = () => token;
  } else if (typeof user.tokenFile === 'string') {
    access.token = tokenFromFile(path.resolve(base, user.tokenFile));
  }
  return access;
}

export function inCluster(env: Record<string, string | undefined>, dir = SA_DIR): ClusterAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host)
    throw new Error(
      'not in a cluster: KUBERNETES_SERVICE_HOST is not set; pass --kubeconfig or set KUBECONFIG',
    );
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(path.join(dir, 'ca.crt')),
    token: tokenFromFile(path.join(dir, 'token')),
  };
}

/** --kubeconfig, else $KUBECONFIG (first file), else in-cluster, else ~/.kube/config. */
export function loadClusterAccess(file: string | undefined, env = process.env): ClusterAccess {
  if (file) return fromKubeconfigFile(file);
  const fromEnv = env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  if (fromEnv) return fromKubeconfigFile(fromEnv);
  if (env.KUBERNETES_SERVICE_HOST) return inCluster(env);
  return fromKubeconfigFile(path.join(os.homedir(), '.kube', 'config'));
}
