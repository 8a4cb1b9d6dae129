// Facts about the images' final stages, checked without a container engine
// (`make images` builds and runs them with buildah and crun): non-root user,
// a HEALTHCHECK that succeeds against the real process started with the
// image's own ENTRYPOINT + CMD, only production dependencies copied in.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from '@jest/globals';
import { freePort } from '@lighthouse/bridge/testing/postgres.js';

import { IMAGE_NODE_FLAGS } from '../operator/operator-process.js';
import { copySources, execForm, parseDockerfile, type Stage } from './dockerfile.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function load(file: string) {
  const parsed = parseDockerfile(readFileSync(path.join(repo, file), 'utf8'));
  const final = parsed.stages.at(-1)!;
  const all = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);
  const one = (keyword: string) => {
    const found = all(keyword);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  /** The final stage's package installation (its first RUN). */
  const install = () => all('RUN')[0]!.args;
  return { ...parsed, final, all, one, install };
}

/** The script the ENTRYPOINT runs: `node <script>`, or a command linked into PATH by a RUN. */
function entryScript(df: ReturnType<typeof load>): string {
  const entry = execForm(df.one('ENTRYPOINT')).slice(2);
  if (entry[0] === 'node') return entry.at(-1)!; // after any node flags
  for (const run of df.all('RUN')) {
    const link = /ln -s (\S+) \/usr\/local\/bin\/(\S+)/.exec(run.args);
    if (link && link[2] === entry[0]) return link[1]!;
  }
  throw new Error(`cannot tell what ${entry.join(' ')} runs`);
}

const stage = (stages: Stage[], name: string) => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};

/** `/app/<ws>/…` in the image ↔ `<ws>/…` in the repository. */
const inRepo = (imagePath: string) => path.join(repo, imagePath.replace(/^\/app\//, ''));

describe.each([
  ['bridge/Dockerfile', '@lighthouse/bridge', 'bridge'],
  ['operator/Dockerfile', '@lighthouse/operator', 'operator'],
])('%s', (file, workspace, dir) => {
  const df = load(file);

  it('builds every stage from the pinned Node 24 image', () => {
    expect(df.args).toEqual([{ keyword: 'ARG', args: 'NODE_IMAGE=docker.io/library/node:24-bookworm-slim' }]);
    for (const s of df.stages) expect(s.from).toBe('${NODE_IMAGE}');
    expect(df.stages.map((s) => s.name)).toEqual(['build', 'deps', '2']);
  });

  it('runs as UID 10001, created in the final stage', () => {
    expect(df.one('USER').args).toBe('10001:10001');
    expect(df.install()).toContain('useradd --uid 10001');
  });

  it('starts under tini, which the final stage installs', () => {
    const entry = execForm(df.one('ENTRYPOINT'));
    expect(entry.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(df.install()).toMatch(/apt-get install -y --no-install-recommends tini\b/);
    // The script exists in the repository: as itself (bin/) or as the source tsc compiles to dist/.
    const script = inRepo(entryScript(df));
    expect([script, script.replace(/\/dist\/(.*)\.js$/, '/src/$1.ts')].some((f) => existsSync(f))).toBe(true);
  });

  it('copies only built output and production dependencies into the final stage', () => {
    const copies = df.final.instructions.filter((i) => i.keyword === 'COPY').map(copySources);
    for (const c of copies) {
      expect(['build', 'deps']).toContain(c.from);
      if (c.from === 'build') {
        for (const src of c.sources)
          expect(src).toMatch(new RegExp(`^/src/${dir}/(package\\.json|bin/|dist/)$`));
      }
    }
    // node_modules comes from the deps stage, which installs this workspace without dev dependencies.
    expect(copies.filter((c) => c.sources.some((s) => s.includes('node_modules')))).toEqual([
      { from: 'deps', sources: ['/app/node_modules/'], dest: 'node_modules/' },
      { from: 'deps', sources: [`/app/${dir}/node_modules/`], dest: `${dir}/node_modules/` },
    ]);
    const install = stage(df.stages, 'deps').instructions.filter((i) => i.keyword === 'RUN');
    expect(install).toHaveLength(1);
    expect(install[0]!.args).toContain(`npm ci --omit=dev --workspace ${workspace} `);
    // Tests and declaration files are deleted from dist before the copy.
    expect(stage(df.stages, 'build').instructions.at(-1)!.args).toContain("-name '*.test.*'");
  });

  it('labels the image with OCI annotations', () => {
    const label = df.one('LABEL').args;
    for (const key of ['title', 'description', 'licenses', 'version', 'revision', 'base.name']) {
      expect(label).toContain(`org.opencontainers.image.${key}=`);
    }
  });

  it('has no secret in any layer: npm configuration comes only from build secrets', () => {
    for (const s of df.stages) {
      for (const i of s.instructions) {
        if (i.keyword === 'RUN' && i.args.includes('npm ci')) {
          expect(i.args).toContain('--mount=type=secret,id=npmrc,target=/root/.npmrc');
        }
        expect(i.keyword === 'COPY' && i.args.includes('npmrc')).toBe(false);
      }
    }
  });
});

describe('the operator image command', () => {
  it('passes node flags this Node accepts, the same the tests run the operator with', () => {
    const entry = execForm(load('operator/Dockerfile').one('ENTRYPOINT'));
    const flags = entry.slice(entry.indexOf('node') + 1, -1);
    expect(flags).toEqual(IMAGE_NODE_FLAGS);
    expect(flags.length).toBeGreaterThan(0);
    // Node refuses an unknown or malformed flag with exit 9 ("bad option").
    const r = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('the bridge image command', () => {
  const df = load('bridge/Dockerfile');

  it('is `lighthouse serve`, and its HEALTHCHECK passes against that very process', async () => {
    const entry = execForm(df.one('ENTRYPOINT'));
    const cmd = execForm(df.one('CMD'));
    expect(entry).toEqual(['/usr/bin/tini', '--', 'lighthouse']);
    expect(entryScript(df)).toBe('/app/bridge/bin/lighthouse.js');
    expect(cmd).toEqual(['serve']);
    const health = df.one('HEALTHCHECK').args;
    const probe = execForm({ keyword: 'HEALTHCHECK', args: health.slice(health.indexOf('CMD ') + 4) });
    expect(probe.join(' ')).toContain('/healthz');
    expect(df.one('EXPOSE').args).toBe('8765');

    // Start the bridge as the image does (minus tini), with the image's environment
    // plus what a deployment supplies: a master key and a volume for the data directory.
    const imageEnv = Object.fromEntries(
      df.all('ENV').flatMap((i) => i.args.split(/\s+/).map((kv) => kv.split('=') as [string, string])),
    );
    expect(imageEnv.PORT).toBe('8765');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lighthouse-image-data-'));
    const port = await freePort();
    const env = {
      ...process.env,
      ...imageEnv,
      PORT: String(port),
      HOST: '127.0.0.1',
      LIGHTHOUSE_DATA_DIR: dataDir,
      LIGHTHOUSE_MASTER_KEY: randomBytes(32).toString('hex'),
    };
    const bridge = spawn(process.execPath, [inRepo(entryScript(df)), ...cmd], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    bridge.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(bridge, 'exit');
    try {
      const runProbe = async () => {
        const child = spawn(process.execPath, probe.slice(1), { env, stdio: 'ignore' });
        const [code] = (await once(child, 'exit')) as [number];
        return code;
      };
      // Wait until it listens (the embedded store takes a while to start on a busy machine) …
      const deadline = Date.now() + 90_000;
      while (bridge.exitCode === null && Date.now() < deadline) {
        if (
          await fetch(`http://127.0.0.1:${port}/healthz`).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (bridge.exitCode !== null) throw new Error(`the bridge exited (${bridge.exitCode}): ${stderr}`);
      // … then the image's own HEALTHCHECK command passes.
      expect(await runProbe()).toBe(0);
      bridge.kill('SIGTERM');
      const [exit] = (await exited) as [number];
      expect(exit).toBe(0);
      // With the bridge gone, the same probe fails: it really checks the process.
      expect(await runProbe()).toBe(1);
    } finally {
      bridge.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('includes fusermount and libfuse2 for the FUSE sidecar', () => {
    expect(df.install()).toMatch(/--no-install-recommends tini fuse libfuse2\b/);
  });
});

describe('.dockerignore', () => {
  it('keeps local builds and dependencies out of the build context', () => {
    const lines = readFileSync(path.join(repo, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git', '.tools']) expect(lines).toContain(entry);
  });
});
