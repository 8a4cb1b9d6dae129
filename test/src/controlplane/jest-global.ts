// jest globalSetup/globalTeardown: at most one control plane per test run,
// shared by every test file. Runs in jest's parent process, which owns the
// processes; test files (in workers) reach it through the state file named by
// $LIGHTHOUSE_CONTROLPLANE_STATE and a loopback endpoint (see testing.ts).
//
// The control plane starts on first use: a run whose tests never ask for it
// (say, only the bridge's unit tests) does not pay for it. Set
// LIGHTHOUSE_CONTROLPLANE=eager to start it in globalSetup, or =off to refuse it.
//
// A control plane that cannot start (binaries not built, a process failing)
// does not abort the run: the error is recorded in the state file, and every
// test that needs the control plane fails with it — tests that do not need it
// still run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { startControlPlane, type ControlPlane } from './controlplane.js';
import { exitOnSignals } from './processes.js';

export const STATE_ENV = 'LIGHTHOUSE_CONTROLPLANE_STATE';

export interface ControlPlaneState {
  /** Loopback endpoint of the owning process: POST /start, POST /restart-apiserver (Bearer token). */
  controlUrl?: string;
  controlToken?: string;
  /** The process that owns the control plane (jest's parent; tests run in it when jest runs in band). */
  ownerPid?: number;
  /** Set when the control plane is not available; tests fail with this message. */
  error?: string;
  /** The rest is set once the control plane is running. */
  server?: string;
  kubeconfig?: string;
  caFile?: string;
  workDir?: string;
  logDir?: string;
  binDir?: string;
  crdFiles?: string[];
  nodeNames?: string[];
}

// jest may load globalSetup and globalTeardown as separate module instances:
// what teardown needs lives on globalThis.
interface Running {
  starting?: Promise<void>;
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

  const mode = process.env.LIGHTHOUSE_CONTROLPLANE ?? 'lazy';
  if (mode === 'off') {
    writeState(stateFile, { error: 'control plane disabled by LIGHTHOUSE_CONTROLPLANE=off' });
    return;
  }
  const control: ControlPlaneState = {
    ...(await startControlServer(() => ensureStarted(stateFile, control))),
    ownerPid: process.pid,
  };
  writeState(stateFile, control);
  if (mode === 'eager') await ensureStarted(stateFile, control);
}

export async function teardownControlPlane(): Promise<void> {
  const { controlServer, stateDir } = running;
  await running.starting?.catch(() => {});
  await new Promise<void>((resolve) => (controlServer ? controlServer.close(() => resolve()) : resolve()));
  await running.controlPlane?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  for (const key of Object.keys(running) as (keyof Running)[]) delete running[key];
}

function writeState(file: string, state: ControlPlaneState): void {
  // Written whole and renamed: readers never see half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** Starts the control plane once; later calls wait for the same start. Never rejects. */
function ensureStarted(stateFile: string, control: ControlPlaneState): Promise<void> {
  running.starting ??= (async () => {
    const started = Date.now();
    try {
      const cp = await startControlPlane();
      running.controlPlane = cp;
      writeState(stateFile, {
        ...control,
        server: cp.server,
        kubeconfig: cp.kubeconfig,
        caFile: cp.caFile,
        workDir: cp.workDir,
        logDir: cp.logDir,
        binDir: cp.build.binDir,
        crdFiles: cp.build.crdFiles,
        nodeNames: cp.nodeNames,
      });
      process.stderr.write(`\ncontrol plane up in ${Date.now() - started} ms at ${cp.server}\n`);
    } catch (err) {
      const error = `control plane failed to start: ${err instanceof Error ? err.message : String(err)}`;
      writeState(stateFile, { ...control, error });
      process.stderr.write(`\n${error}\n`);
    }
  })();
  return running.starting;
}

/** Lets test files (other processes) ask for what only the owner can do. */
async function startControlServer(
  start: () => Promise<void>,
): Promise<{ controlUrl: string; controlToken: string }> {
  const token = randomBytes(16).toString('hex');
  let restarts: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(404).end();
      return;
    }
    if (req.url === '/start') {
      // The outcome (or error) is in the state file.
      void start().then(() => res.writeHead(200).end('ok'));
    } else if (req.url === '/restart-apiserver') {
      restarts = restarts.then(async () => {
        try {
          if (!running.controlPlane) throw new Error('the control plane is not running');
          await running.controlPlane.restartApiserver();
          res.writeHead(200).end('ok');
        } catch (err) {
          res.writeHead(500).end(err instanceof Error ? err.message : String(err));
        }
      });
    } else {
      res.writeHead(404).end();
    }
  });
  server.unref();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.controlServer = server;
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('control server has no address');
  return { controlUrl: `http://127.0.0.1:${address.port}`, controlToken: token };
}
