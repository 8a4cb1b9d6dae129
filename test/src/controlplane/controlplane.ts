// A real Kubernetes control plane on loopback, for tests and local use:
// etcd + kube-apiserver (client-certificate auth, RBAC) + kube-controller-manager
// + kube-scheduler + kwok (fake nodes whose pods become Running/Ready), with the
// third-party CRDs the product works with installed.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { processAlive } from '@lighthouse/bridge/testing/postgres.js';

import { locateBuild, type ControlPlaneBuild } from './binaries.js';
import { CertificateAuthority, createServiceAccountKey } from './certificates.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ManagedProcess } from './processes.js';
import { crdsEstablished } from './wait.js';

const run = promisify(execFile);

/** Annotation kwok is told to manage; the fake nodes carry it. */
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/16';
const KUBERNETES_SERVICE_IP = '10.0.0.1';
const POD_CIDR = '10.244.0.0/16';

export interface ControlPlaneOptions {
  /** Fake nodes to create (default 1): kwok-node-0, kwok-node-1, ... */
  nodes?: number;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
  /** Parent of the temporary work directory (default: the OS temp dir). */
  tmpDir?: string;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** An admin (system:masters) kubeconfig. */
  kubeconfig: string;
  /** The CA that signs every certificate of this control plane. */
  caFile: string;
  /** Temporary directory holding data, certificates, kubeconfigs and logs; removed by stop(). */
  workDir: string;
  logDir: string;
  build: ControlPlaneBuild;
  nodeNames: string[];
  /** A kubeconfig for `user` in `groups`, authenticated by a client certificate signed by the CA. */
  mintKubeconfig(user: string, groups?: string[]): Promise<string>;
  /** Stops kube-apiserver and starts it again on the same port; resolves when /readyz is ok. */
  restartApiserver(): Promise<void>;
  /** Stops every process and removes the work directory. Safe to call twice. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  proc?: ManagedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc && !proc.running) {
      throw new Error(
        `${proc.name} exited while waiting for ${what}; last log lines (${proc.logFile}):\n${proc.tail()}`,
      );
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  const detail = proc ? `\nlast log lines (${proc.logFile}):\n${proc.tail()}` : '';
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${String(lastError)})` : ''}${detail}`,
  );
}

function httpGet(
  url: string,
  tls?: { ca: Buffer; cert: Buffer; key: Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (tls ? request : httpRequest)(url, { ...tls, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const WORK_DIR_PREFIX = 'lighthouse-controlplane-';

/**
 * Removes work directories whose owner process is gone: a run killed with
 * SIGKILL cannot clean up after itself (its children die with it, through
 * setpriv's parent-death signal, but the files stay).
 */
function removeAbandonedWorkDirs(tmpDir: string): void {
  for (const entry of readdirSync(tmpDir)) {
    if (!entry.startsWith(WORK_DIR_PREFIX)) continue;
    const dir = path.join(tmpDir, entry);
    let pid: number;
    try {
      pid = Number(readFileSync(path.join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the control plane; on failure everything started so far is stopped again. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? (() => {});
  const build = locateBuild();
  const tmpDir = options.tmpDir ?? os.tmpdir();
  removeAbandonedWorkDirs(tmpDir);
  const workDir = mkdtempSync(path.join(tmpDir, WORK_DIR_PREFIX));
  writeFileSync(path.join(workDir, 'owner.pid'), String(process.pid));
  const pkiDir = path.join(workDir, 'pki');
  const logDir = path.join(workDir, 'logs');
  for (const d of [pkiDir, logDir, path.join(workDir, 'users')]) mkdirSync(d, { recursive: true });

  const processes: ManagedProcess[] = [];
  let stopped = false;
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  // On any exit (also a failed test run): kill the children, then remove their files.
  const onExit = () => {
    for (const p of processes) p.killNow();
    removeWorkDir();
  };
  process.on('exit', onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Dependents first, etcd last.
    await Promise.all(
      processes.filter((p) => p.name !== 'etcd' && p.name !== 'kube-apiserver').map((p) => p.stop()),
    );
    await Promise.all(processes.filter((p) => p.name === 'kube-apiserver').map((p) => p.stop()));
    await Promise.all(processes.filter((p) => p.name === 'etcd').map((p) => p.stop()));
    removeWorkDir();
    process.removeListener('exit', onExit);
  };

  const spawnLogged = (name: string, command: string, args: string[]) => {
    const p = new ManagedProcess({ name, command, args, logFile: path.join(logDir, `${name}.log`) });
    processes.push(p);
    return p;
  };

  try {
    const t0 = Date.now();
    const [etcdClientPort, etcdPeerPort, apiserverPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
    ]);
    const server = `https://127.0.0.1:${apiserverPort}`;

    // --- etcd (plain HTTP on loopback), started while the certificates are made ---
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = spawnLogged('etcd', build.bin.etcd, [
      '--name=default',
      `--data-dir=${path.join(workDir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);

    // --- PKI -------------------------------------------------------------------
    const ca = await CertificateAuthority.create(pkiDir);
    const userKubeconfig = async (name: string, user: string, groups: string[]) => {
      const cert = await ca.issueClient(name, user, groups);
      const file = writeKubeconfig(path.join(workDir, `${name}.kubeconfig`), server, ca.cert, {
        name: user,
        certFile: cert.cert,
        keyFile: cert.key,
      });
      return { file, cert };
    };
    const [serving, sa, admin, cm, scheduler] = await Promise.all([
      ca.issue('kube-apiserver', '/CN=kube-apiserver', 'server', [
        'IP:127.0.0.1',
        `IP:${KUBERNETES_SERVICE_IP}`,
        'DNS:localhost',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local',
      ]),
      createServiceAccountKey(pkiDir),
      userKubeconfig('admin', 'lighthouse-admin', ['system:masters']),
      userKubeconfig('kube-controller-manager', 'system:kube-controller-manager', []),
      userKubeconfig('kube-scheduler', 'system:kube-scheduler', []),
    ]);
    const adminKubeconfig = admin.file;
    const tls = {
      ca: readFileSync(ca.cert),
      cert: readFileSync(admin.cert.cert),
      key: readFileSync(admin.cert.key),
    };
    log(`certificates ready (${Date.now() - t0} ms)`);

    await waitFor(
      'etcd /health',
      30_000,
      async () => (await httpGet(`${etcdUrl}/health`)).status === 200,
      etcd,
    );
    log(`etcd ready on ${etcdUrl} (${Date.now() - t0} ms)`);

    // --- kube-apiserver ----------------------------------------------------------
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The endpoint reconciler refuses a loopback address; nothing in the
      // cluster needs the `kubernetes` Service's endpoints (no real pods run).
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiserverPort}`,
      `--cert-dir=${path.join(workDir, 'apiserver-certs')}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${ca.cert}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.publicKey}`,
      `--service-account-signing-key-file=${sa.privateKey}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--allow-privileged=true',
      '--profiling=false',
      `--audit-log-path=${path.join(logDir, 'audit.log')}`,
      `--audit-policy-file=${writeAuditPolicy(workDir)}`,
    ];
    let apiserver = spawnLogged('kube-apiserver', build.bin['kube-apiserver'], apiserverArgs);
    const apiserverReady = (proc: ManagedProcess) =>
      waitFor(
        'kube-apiserver /readyz',
        90_000,
        async () => (await httpGet(`${server}/readyz`, tls)).status === 200,
        proc,
      );
    await apiserverReady(apiserver);
    log(`kube-apiserver ready on ${server} (${Date.now() - t0} ms)`);

    // --- controller-manager, scheduler, kwok ---------------------------------------
    spawnLogged('kube-controller-manager', build.bin['kube-controller-manager'], [
      `--kubeconfig=${cm.file}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${sa.privateKey}`,
      `--root-ca-file=${ca.cert}`,
      `--cluster-signing-cert-file=${ca.cert}`,
      `--cluster-signing-key-file=${ca.key}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--controllers=*',
    ]);
    spawnLogged('kube-scheduler', build.bin['kube-scheduler'], [
      `--kubeconfig=${scheduler.file}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
    ]);
    spawnLogged('kwok', build.bin.kwok, [
      `--kubeconfig=${adminKubeconfig}`,
      `--config=${build.kwokStages}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
      '--node-lease-duration-seconds=40',
      `--cidr=${POD_CIDR}`,
      '--node-ip=127.0.0.1',
    ]);

    const kubectl = async (...args: string[]) => {
      const { stdout } = await run(build.bin.kubectl, [`--kubeconfig=${adminKubeconfig}`, ...args], {
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    };

    // --- CRDs and fake nodes --------------------------------------------------------
    const nodeNames = Array.from({ length: options.nodes ?? 1 }, (_, i) => `kwok-node-${i}`);
    const nodesFile = path.join(workDir, 'nodes.json');
    writeFileSync(
      nodesFile,
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodeNames.map(fakeNode) }),
    );
    const crdArgs = build.crdFiles.flatMap((f) => ['-f', f]);
    await Promise.all([
      (async () => {
        await kubectl('apply', '--server-side', '--force-conflicts', ...crdArgs);
        await crdsEstablished((args) => kubectl(...args), crdArgs);
        log(`CRDs established (${Date.now() - t0} ms)`);
      })(),
      (async () => {
        await kubectl('apply', '-f', nodesFile);
        await kubectl('wait', '--for=condition=Ready', '--timeout=60s', ...nodeNames.map((n) => `node/${n}`));
        log(`fake node(s) Ready (${Date.now() - t0} ms)`);
      })(),
    ]);
    await waitFor(
      'the default ServiceAccount',
      60_000,
      async () =>
        (await httpGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls)).status === 200,
    );
    for (const p of processes) {
      if (!p.running)
        throw new Error(`${p.name} exited during start; last log lines (${p.logFile}):\n${p.tail()}`);
    }
    log(`control plane ready in ${Date.now() - t0} ms`);

    return {
      server,
      kubeconfig: adminKubeconfig,
      caFile: ca.cert,
      workDir,
      logDir,
      build,
      nodeNames,
      mintKubeconfig: (user: string, groups: string[] = []) => mintKubeconfig(workDir, server, user, groups),
      async restartApiserver() {
        await apiserver.stop();
        processes.splice(processes.indexOf(apiserver), 1);
        apiserver = spawnLogged('kube-apiserver', build.bin['kube-apiserver'], apiserverArgs);
        await apiserverReady(apiserver);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Writes a kubeconfig for `user` in `groups` (client certificate signed by the
 * CA in `workDir`); callable from any process that can read the work directory.
 */
export async function mintKubeconfig(
  workDir: string,
  server: string,
  user: string,
  groups: string[] = [],
): Promise<string> {
  const ca = CertificateAuthority.open(path.join(workDir, 'pki'));
  const name = `user-${process.pid}-${randomUUID().slice(0, 8)}`;
  const cert = await ca.issueClient(name, user, groups);
  return writeKubeconfig(path.join(workDir, 'users', `${name}.kubeconfig`), server, ca.cert, {
    name: user,
    certFile: cert.cert,
    keyFile: cert.key,
  });
}

function fakeNode(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [FAKE_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' },
    },
  };
}

/** Metadata-level audit log of every request (logs/audit.log): tests may read it. */
function writeAuditPolicy(workDir: string): string {
  const file = path.join(workDir, 'audit-policy.json');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: [{ level: 'Metadata' }],
    }),
  );
  return file;
}
