// Child processes of the control plane: each runs in its own process group
// (so its own children die with it), logs to a file, and is killed when this
// Node process exits — even on an uncaught error — so a failed test run leaves
// no orphans behind. Where util-linux's `setpriv` exists, children also get
// SIGKILL from the kernel if this process dies without running exit handlers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) p.killNow();
  });
}

let setprivPath: string | null | undefined;
function setpriv(): string | null {
  if (setprivPath === undefined) {
    const found = spawnSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' });
    setprivPath = found.status === 0 && found.stdout.trim() ? found.stdout.trim() : null;
  }
  return setprivPath;
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private child: ChildProcess;
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(spec: ProcessSpec) {
    installExitHook();
    this.name = spec.name;
    this.logFile = spec.logFile;
    const fd = openSync(spec.logFile, 'a');
    const wrapper = setpriv();
    const [command, args] = wrapper
      ? [wrapper, ['--pdeathsig', 'SIGKILL', '--', spec.command, ...spec.args]]
      : [spec.command, spec.args];
    this.child = spawn(command, args, {
      detached: true, // own process group: stop() kills the whole group
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
    closeSync(fd);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        live.delete(this);
        resolve(this.exitCode);
      });
      this.child.on('error', () => {
        this.exitCode = -1;
        live.delete(this);
        resolve(-1);
      });
    });
    live.add(this);
    // The control plane must not keep a CLI or jest's parent process alive by itself.
    this.child.unref();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines of the process's log, for error messages. */
  tail(lines = 15): string {
    if (!existsSync(this.logFile)) return '';
    return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Resolves when the process has exited. */
  wait(): Promise<number | null> {
    return this.exited;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when it is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.ref(); // keep this process alive until the child is gone
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.signal('SIGKILL'); // anything the leader left behind in its group
  }

  /** Synchronous SIGKILL of the group (used from the exit hook). */
  killNow(): void {
    this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * Makes SIGINT/SIGTERM/SIGHUP end this process through process.exit, so the
 * exit hooks (which kill the children and remove temporary files) run; Node's
 * default for these signals skips them.
 */
export function exitOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
  }
}
