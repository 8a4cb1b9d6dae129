// Where the control-plane binaries and third-party CRDs are: the cache
// directory test/controlplane/build.sh fills (`make controlplane`).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'helm',
] as const;
export type Binary = (typeof BINARIES)[number];

export interface ControlPlaneBuild {
  /** The cache directory of this build (bin/, crds/, kwok/). */
  dir: string;
  binDir: string;
  bin: Record<Binary, string>;
  /** Third-party CRD files (CloudNativePG, Barman Cloud plugin, Prometheus Operator). */
  crdFiles: string[];
  kwokStages: string;
}

/** The repository root (this file is test/src/controlplane/ or test/dist/controlplane/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Finds the build for the versions pinned in test/controlplane/versions.env.
 * Throws one line saying what to run when it is missing or incomplete.
 * `LIGHTHOUSE_CONTROLPLANE_DIR` overrides the lookup.
 */
export function locateBuild(): ControlPlaneBuild {
  let dir = process.env.LIGHTHOUSE_CONTROLPLANE_DIR;
  if (!dir) {
    const script = path.join(repoRoot, 'test', 'controlplane', 'build.sh');
    dir = execFileSync('bash', [script, '--print-dir'], { encoding: 'utf8' }).trim();
  }
  const binDir = path.join(dir, 'bin');
  const missing = BINARIES.filter((b) => !existsSync(path.join(binDir, b)));
  if (!existsSync(path.join(dir, '.complete')) || missing.length > 0) {
    throw new Error(
      `control-plane binaries are not built (missing in ${binDir}: ${missing.join(', ') || 'build incomplete'}); run \`make controlplane\``,
    );
  }
  const crdDir = path.join(dir, 'crds');
  const crdFiles = readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(crdDir, f));
  const bin = Object.fromEntries(BINARIES.map((b) => [b, path.join(binDir, b)])) as Record<Binary, string>;
  return { dir, binDir, bin, crdFiles, kwokStages: path.join(dir, 'kwok', 'stages.yaml') };
}
