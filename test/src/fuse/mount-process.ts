// Test support: runs a FUSE sidecar as a child process and reads its mount
// only from other child processes (the serving process must never touch its
// own mount, and neither may the jest process that waits on it).
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnCollected, stopChild } from '../processes/child.js';

export const REPO = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const NODE = process.execPath;

/** Fails with one line when this machine cannot mount FUSE; the tests are never skipped. */
export function requireFuse(): void {
  if (!existsSync('/dev/fuse')) {
    throw new Error(
      '/dev/fuse is missing: the FUSE tests need the fuse kernel module and a privileged container',
    );
  }
}

export interface Shell {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a bash command in a child process (never in this one). */
export function sh(command: string, timeoutMs = 20_000): Promise<Shell> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', command],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 124) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

export function isMounted(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === dir);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export interface MountProcess {
  child: ChildProcess;
  dir: string;
  output(): string;
  exited: Promise<number | null>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns a sidecar (`node <args>`) and waits until its ready file appears and its
 * "ready" log line has reached us, so `output()` holds everything logged up to then.
 */
export async function spawnMount(
  args: string[],
  dir: string,
  readyFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MountProcess> {
  const { child, output, exited } = spawnCollected(NODE, args, { cwd: REPO, env });
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor('the mount to be ready', async () => {
    if (gone) throw new Error(`sidecar exited before it was ready:\n${output()}`);
    return existsSync(readyFile) && output().includes('"message":"ready"') ? true : undefined;
  });
  return {
    child,
    dir,
    output,
    exited,
    // A mount a failed stop leaves behind is cleared by the suite's cleanup (forceUnmount).
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      stopChild(child, exited, { signal, what: 'the sidecar', output }),
  };
}

/** Last resort after a failed test: never leave a mount behind. */
export async function forceUnmount(dir: string): Promise<void> {
  if (isMounted(dir)) await sh(`fusermount -uz '${dir}'`);
}
