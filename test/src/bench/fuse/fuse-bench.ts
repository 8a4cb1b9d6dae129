// FUSE benchmark: stat and 4 KiB read latency through the mount of a real
// `lighthouse fuse` (fed by a real bridge on the embedded store) next to the
// same files on tmpfs (the floor), and cold reads of 1 MiB files (stored by
// the bridge as blobs). Ratios are against tmpfs measured in the same run.
//   node test/dist/bench/fuse/fuse-bench.js   (make bench-fuse)
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startBridge } from '../../fuse/bridge-process.js';
import { forceUnmount, NODE, REPO, requireFuse, tempDir } from '../../fuse/mount-process.js';

const run = promisify(execFile);
const PROBE = path.join(REPO, 'test/dist/bench/fuse/probe.js');
const OPS = 10_000;
const FILES = 100;
const COLD_FILES = 8;
const COLD_BYTES = 1024 * 1024; // the cold read the FUSE issue names

interface Figures {
  op: string;
  n: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

async function probe(op: string, ops: number, files: string[]): Promise<Figures> {
  const { stdout } = await run(NODE, [PROBE, op, String(ops), ...files], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Figures;
}

const round = (n: number) => Math.round(n * 10) / 10;

async function main() {
  requireFuse();
  // The embedded store's first start (initdb in WASM) is slow on a busy machine.
  const bridge = await startBridge(undefined, undefined, 180_000);
  const work = tempDir('lh-fuse-bench-');
  const mnt = path.join(work, 'mnt');
  const floor = mkdtempSync('/dev/shm/lh-fuse-bench-');
  try {
    const files = Array.from({ length: FILES }, (_, i) => ({
      path: `src/m${i % 10}/f${i}.ts`,
      bytes: randomBytes(16 * 1024),
    }));
    const cold = Array.from({ length: COLD_FILES }, (_, i) => ({
      path: `blobs/cold-${i}.bin`,
      bytes: randomBytes(COLD_BYTES),
    }));
    for (const f of [...files, ...cold]) {
      const res = await bridge.client.post('/v1/files', {
        path: f.path,
        contentBase64: f.bytes.toString('base64'),
      });
      if (res.status !== 201) throw new Error(`POST /v1/files answered ${res.status}`);
      mkdirSync(path.dirname(path.join(floor, f.path)), { recursive: true });
      writeFileSync(path.join(floor, f.path), f.bytes);
    }
    const sidecar = await bridge.mount(mnt);
    try {
      const inMount = (p: string) => path.join(mnt, 'current', p);
      const inFloor = (p: string) => path.join(floor, p);
      const names = files.map((f) => f.path);
      // Cold first: nothing of these files has been read through the mount yet.
      const coldMount = await probe(
        'cold',
        1,
        cold.map((f) => inMount(f.path)),
      );
      const coldFloor = await probe(
        'cold',
        1,
        cold.map((f) => inFloor(f.path)),
      );
      // Warm-up pass so every file is in the sidecar's cache.
      await probe('read', FILES, names.map(inMount));
      const statMount = await probe('stat', OPS, names.map(inMount));
      const statFloor = await probe('stat', OPS, names.map(inFloor));
      const missMount = await probe('miss', OPS, names.map(inMount));
      const missFloor = await probe('miss', OPS, names.map(inFloor));
      const readMount = await probe('read', OPS, names.map(inMount));
      const readFloor = await probe('read', OPS, names.map(inFloor));
      const rows = [
        ['stat', statMount, statFloor],
        ['stat missing (uncached)', missMount, missFloor],
        ['read 4 KiB (warm)', readMount, readFloor],
        [`cold read ${COLD_BYTES / 1024} KiB`, coldMount, coldFloor],
      ] as const;
      const result = {
        when: new Date().toISOString(),
        opsPerMeasurement: OPS,
        files: FILES,
        coldFiles: COLD_FILES,
        coldBytes: COLD_BYTES,
        results: rows.map(([name, m, f]) => ({
          name,
          mount: { p50Us: round(m.p50Us), p99Us: round(m.p99Us), meanUs: round(m.meanUs), n: m.n },
          tmpfs: { p50Us: round(f.p50Us), p99Us: round(f.p99Us), meanUs: round(f.meanUs), n: f.n },
          ratioP50: round(m.p50Us / f.p50Us),
          ratioP99: round(m.p99Us / f.p99Us),
        })),
      };
      console.log('FUSE mount vs tmpfs (microseconds; ratio = mount / tmpfs, same run)');
      for (const r of result.results) {
        console.log(
          `${r.name.padEnd(26)} mount p50 ${r.mount.p50Us} p99 ${r.mount.p99Us} | tmpfs p50 ${r.tmpfs.p50Us} p99 ${r.tmpfs.p99Us} | ratio p50 ${r.ratioP50}x p99 ${r.ratioP99}x (n=${r.mount.n})`,
        );
      }
      const out = path.join(REPO, 'bench/results/fuse.json');
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
      console.log(`written to ${path.relative(REPO, out)}`);
    } finally {
      await sidecar.stop();
      await forceUnmount(mnt);
    }
  } finally {
    await bridge.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(floor, { recursive: true, force: true });
  }
}

await main();
