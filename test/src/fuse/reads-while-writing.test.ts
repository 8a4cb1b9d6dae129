// Readers of a file that changes under them: each read of a whole file is one
// version the bridge stored, never a mix of two or a version cut at an older
// size (the kernel caches pages and sizes per path, not per open handle).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBridge, type BridgeProcess } from './bridge-process.js';
import { NODE, requireFuse, sh, tempDir, waitFor } from './mount-process.js';
import { cleanUp } from '../processes/child.js';

requireFuse();

let bridge: BridgeProcess;
const work = tempDir('lh-fuse-rw-');
const dir = path.join(work, 'mnt');
const file = `${dir}/current/hot.txt`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let versions = 0;
/** The sha256 of the version written last. */
let current = '';

/** Version i: its own token repeated, sizes going up and down, some stored as blobs (over 512 KiB). */
function version(i: number): Buffer {
  const size = [9_000, 700_000, 40_000, 600_000, 120_000][i % 5]! + i * 1_000;
  return Buffer.from(`v${i}.`.repeat(size).slice(0, size));
}

async function write(): Promise<string> {
  const content = version(versions++);
  const res = await bridge.client.post('/v1/files', {
    path: 'hot.txt',
    contentBase64: content.toString('base64'),
  });
  if (res.status !== 201) throw new Error(`POST /v1/files answered ${res.status}`);
  current = sha(content);
  return current;
}

/**
 * Runs `readers` copies of a shell loop that prints the sha256 of each whole read
 * of the file, while ten new versions are written; returns every read's hash
 * and the hashes of the versions the bridge stored.
 */
async function readWhileWriting(readers: number, loop: (stop: string) => string) {
  const stop = path.join(work, `stop-${versions}`);
  const written = [current];
  const running = Array.from({ length: readers }, () => sh(loop(stop), 60_000));
  for (let i = 0; i < 10; i++) {
    written.push(await write());
    await new Promise((r) => setTimeout(r, 200));
  }
  await waitFor('the last version in the mount', async () => {
    const r = await sh(`sha256sum < '${file}'`);
    return r.stdout.startsWith(written.at(-1)!) ? true : undefined;
  });
  writeFileSync(stop, '');
  const reads = (await Promise.all(running)).flatMap((r) => r.stdout.trim().split('\n'));
  return { hashes: reads.map((line) => line.split(' ')[0]!), written };
}

beforeAll(async () => {
  bridge = await startBridge(); // the embedded store
  await write();
  await bridge.mount(dir); // stopped by bridge.stop()
}, 120_000);

afterAll(
  () =>
    cleanUp(
      () => bridge?.stop(),
      () => rmSync(work, { recursive: true, force: true }),
    ),
  60_000,
);

describe('reads while the file changes', () => {
  test('20 parallel readers each read whole versions the bridge stored', async () => {
    // Each reader stats the file (the kernel may keep that size), then reads it to its end.
    const { hashes, written } = await readWhileWriting(
      20,
      (stop) => `while [ ! -e '${stop}' ]; do stat -c %s '${file}' >/dev/null; sha256sum < '${file}'; done`,
    );
    expect(hashes.length).toBeGreaterThan(20);
    expect(hashes.filter((h) => !written.includes(h))).toEqual([]);
  }, 120_000);

  test('a reader that reads as many bytes as stat says (Node readFileSync) never gets a version cut short', async () => {
    const [ready, go] = [path.join(work, 'ready'), path.join(work, 'go')];
    // Stats the file, waits for the test to change it, then reads it as Node does: fstat, then that many bytes.
    const script =
      'const fs = require("fs"), { createHash } = require("crypto"); const [f, ready, go] = process.argv.slice(1);' +
      'fs.statSync(f); fs.writeFileSync(ready, ""); while (!fs.existsSync(go)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);' +
      'console.log(createHash("sha256").update(fs.readFileSync(f)).digest("hex"));';
    const reader = sh(`'${NODE}' -e '${script}' '${file}' '${ready}' '${go}'`, 30_000);
    await waitFor('the reader to stat the file', async () => (existsSync(ready) ? true : undefined));
    const before = current;
    while (version(versions).length < 500_000) versions++; // the next version is larger
    const after = await write();
    await new Promise((r) => setTimeout(r, 300)); // the event arrives; the reader's stat is < 1 s old
    writeFileSync(go, '');
    expect([before, after]).toContain((await reader).stdout.trim());
  }, 60_000);
});
