// jest globalSetup/globalTeardown: one control plane per test run, shared by
// every test file. Runs in jest's parent process; test files (in workers) find
// it through the state file named by $LIGHTHOUSE_CONTROLPLANE_STATE (see testing.ts).
//
// A control plane that cannot start (binaries not built, a process failing)
// does not abort the run: the error is recorded in the state file, and every
// test that needs the control plane fails with it — tests that do not need it
// still run. Set LIGHTHOUSE_CONTROLPLANE=off to not start one at all.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

import { startControlPlane, type ControlPlane } from './controlplane.js';
import { exitOnSignals } from './processes.js';

export const STATE_ENV = 'LIGHTHOUSE_CONTROLPLANE_STATE';

export interface ControlPlaneState {
  /** Set when the control plane is not available; tests fail with this message. */
  error?: string;
  server?: string;
  kubeconfig?: string;
  caFile?: string;
  workDir?: string;
  logDir?: string;
  binDir?: string;
  crdFiles?: string[];
  nodeNames?: string[];
  /** Loopback endpoint of the parent process: POST /restart-apiserver (with the token). */
  controlUrl?: string;
  controlToken?: string;
}

// jest may load globalSetup and globalTeardown as separate module instances:
// what teardown needs lives on globalThis.
interface Running {
  controlPlane?: ControlPlane;
  controlServer?: Server;
  stateDir?: string;
}
const running = ((globalThis as { __lighthouseControlPlane?: Running }).__lighthouseControlPlane ??= {});

export async function setupControlPlane(): Promise<void> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'lighthouse-controlplane-state-'));
  running.stateDir = stateDir;
  // Lets the next run remove this directory if this process is killed (controlplane.ts).
  writeFileSync(path.join(stateDir, 'owner.pid'), String(process.pid));
  const stateFile = path.join(stateDir, 'state.json');
  process.env[STATE_ENV] = stateFile;
  exitOnSignals();
  process.on('exit', () => rmSync(stateDir, { recursive: true, force: true }));
  let state: ControlPlaneState;
  if (process.env.LIGHTHOUSE_CONTROLPLANE === 'off') {
    state = { error: 'control plane disabled by LIGHTHOUSE_CONTROLPLANE=off' };
  } else {
    try {
      const started = Date.now();
      const controlPlane = await startControlPlane();
      running.controlPlane = controlPlane;
      const control = await startControlServer(controlPlane);
      state = {
        server: controlPlane.server,
        kubeconfig: controlPlane.kubeconfig,
        caFile: controlPlane.caFile,
        workDir: controlPlane.workDir,
        logDir: controlPlane.logDir,
        binDir: controlPlane.build.binDir,
        crdFiles: controlPlane.build.crdFiles,
        nodeNames: controlPlane.nodeNames,
        ...control,
      };
      process.stderr.write(`\ncontrol plane up in ${Date.now() - started} ms at ${controlPlane.server}\n`);
    } catch (err) {
      state = { error: `control plane failed to start: ${err instanceof Error ? err.message : String(err)}` };
      process.stderr.write(`\n${state.error}\n`);
    }
  }
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

export async function teardownControlPlane(): Promise<void> {
  const { controlServer, controlPlane, stateDir } = running;
  await new Promise<void>((resolve) => (controlServer ? controlServer.close(() => resolve()) : resolve()));
  await controlPlane?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  delete running.controlServer;
  delete running.controlPlane;
  delete running.stateDir;
}

/** Lets test files (other processes) ask for operations only the owner can do. */
async function startControlServer(cp: ControlPlane): Promise<{ controlUrl: string; controlToken: string }> {
  const token = randomBytes(16).toString('hex');
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    if (
      req.method !== 'POST' ||
      req.url !== '/restart-apiserver' ||
      req.headers.authorization !== `Bearer ${token}`
    ) {
      res.writeHead(404).end();
      return;
    }
    queue = queue.then(async () => {
      try {
        await cp.restartApiserver();
        res.writeHead(200).end('ok');
      } catch (err) {
        res.writeHead(500).end(err instanceof Error ? err.message : String(err));
      }
    });
  });
  server.unref();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.controlServer = server;
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('control server has no address');
  return { controlUrl: `http://127.0.0.1:${address.port}`, controlToken: token };
}
