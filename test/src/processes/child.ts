// Child processes the tests start: spawned with their output collected, and
// stopped with a bound, so a child that ignores SIGTERM fails the test with
// what it printed instead of holding jest open until CI's own time limit.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

export interface CollectedChild {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
}

/** Spawns `command` with stdout and stderr piped into one text (stdin ignored). */
export function spawnCollected(command: string, args: string[], opts: SpawnOptions = {}): CollectedChild {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // 'exit' can come before the last of its output is read: wait for the pipes to
  // end too, briefly (a grandchild may hold them open).
  const drained = Promise.all(
    [child.stdout!, child.stderr!].map((s) => new Promise((r) => s.once('end', r))),
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => void Promise.race([drained, delay(1_000)]).then(() => resolve(code))),
  );
  return { child, output: () => out, exited };
}

/** How a command ended: its exit code (null after a signal) and what it wrote to each stream. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface StartedRun {
  child: ChildProcess;
  /** What it wrote to stdout so far. */
  stdoutSoFar(): string;
  done: Promise<Run>;
}

/**
 * Spawns a command (a CLI under test) with stdout and stderr kept apart; `input`
 * is written to its stdin, which is then closed (as Claude Code feeds a hook).
 */
export function startRun(
  command: string,
  args: string[],
  opts: SpawnOptions & { input?: string } = {},
): StartedRun {
  const { input, ...spawnOpts } = opts;
  const child = spawn(command, args, { ...spawnOpts, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin!.destroy();
      resolve({ code, stdout, stderr });
    });
  });
  if (input !== undefined) child.stdin!.end(input);
  return { child, stdoutSoFar: () => stdout, done };
}

/** startRun, awaited. */
export const runCommand = (
  command: string,
  args: string[],
  opts: SpawnOptions & { input?: string } = {},
): Promise<Run> => startRun(command, args, opts).done;

export const STOP_TIMEOUT_MS = 20_000;

/** Sends `signal` and waits for `exited`; past the timeout, SIGKILLs the child and throws. */
export async function stopChild<T>(
  child: ChildProcess,
  exited: Promise<T>,
  opts: { signal?: NodeJS.Signals; what: string; output?: () => string; timeoutMs?: number },
): Promise<T> {
  const signal = opts.signal ?? 'SIGTERM';
  const timeoutMs = opts.timeoutMs ?? STOP_TIMEOUT_MS;
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const timeout = Symbol('timeout');
  const result = await Promise.race([exited, delay(timeoutMs, timeout, { ref: false })]);
  if (result !== timeout) return result as T;
  child.kill('SIGKILL');
  await exited;
  const output = opts.output ? `; its output:\n${opts.output()}` : '';
  throw new Error(`${opts.what} did not exit within ${timeoutMs} ms of ${signal}${output}`);
}

/** Runs every cleanup step even when one fails (a hung sidecar must not leave its bridge running), then throws the first failure. */
export async function cleanUp(...steps: Array<() => unknown>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length) throw failures[0];
}
