// SIGKILL the FUSE sidecar while child processes are reading its mount: every
// reader gets an error (ENOTCONN / ECONNABORTED), none hangs; a restarted sidecar clears the
// stale mount and the same readers are served again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startBridge, tearDown, type BridgeProcess } from '../fuse/bridge-process.js';
import { isMounted, requireFuse, sh, tempDir, waitFor, type MountProcess } from '../fuse/mount-process.js';

requireFuse();

const work = tempDir('lh-fault-fuse-');
const dir = path.join(work, 'mnt');
/** Each reader touches a file here after its first good read. */
const started = path.join(work, 'started');
const READERS = 4;
/** A reader that has not seen an error this long after the kill is hung. */
const READER_BOUND_MS = 15_000;

let db: TestDatabase;
let bridge: BridgeProcess;
let sidecar: MountProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startBridge(db.url);
  const res = await bridge.client.post('/v1/files', { path: 'README.md', content: 'served\n' });
  expect(res.status).toBe(201);
}, 120_000);

afterAll(() => tearDown(bridge, db, work), 60_000);

/** Reads the file in a loop until a read fails; prints the number of good reads and the error. */
const readUntilError = (i: number) =>
  sh(
    `n=0; while out=$(cat '${dir}/current/README.md' 2>&1) && [ "$out" = served ]; do n=$((n+1)); if [ $n = 1 ]; then touch '${started}/${i}'; fi; done; echo "$n reads; then: $out"`,
    READER_BOUND_MS + 10_000,
  );

describe('SIGKILL of the FUSE sidecar', () => {
  it('readers get an error, not a hang, and a restart remounts and serves again', async () => {
    sidecar = await bridge.mount(dir);
    await waitFor('the file in the mount', async () =>
      (await sh(`cat '${dir}/current/README.md'`)).stdout === 'served\n' ? true : undefined,
    );
    mkdirSync(started);
    const readers = Array.from({ length: READERS }, (_, i) => readUntilError(i));
    await waitFor('a good read by every reader', async () =>
      readdirSync(started).length === READERS ? true : undefined,
    );
    const killedAt = Date.now();
    expect(await sidecar.stop('SIGKILL')).toBeNull();
    const results = await Promise.all(readers);
    const endedMs = Date.now() - killedAt;
    for (const r of results) {
      expect(r.code).toBe(0); // not killed by the bound: the loop ended on its own
      // ENOTCONN for a new request, ECONNABORTED for one in flight at the kill. A cat whose
      // read of the bytes came before the kill prints them first: with direct_io its next
      // read (the one that finds the end) goes to the sidecar too, and fails.
      expect(r.stdout).toMatch(
        /^[1-9]\d* reads; then: (served\n)?cat: .*(Transport endpoint is not connected|Software caused connection abort)/,
      );
    }
    expect(endedMs).toBeLessThan(READER_BOUND_MS);
    expect(isMounted(dir)).toBe(true); // the stale mount is still there until someone clears it

    sidecar = await bridge.mount(dir);
    expect(sidecar.output()).toContain('cleared a stale mount');
    const again = await Promise.all(
      Array.from({ length: READERS }, () => sh(`cat '${dir}/current/README.md'`, READER_BOUND_MS)),
    );
    for (const r of again) expect(r.stdout).toBe('served\n');
    console.log(
      `fuse kill: ${READERS} readers ended ${endedMs} ms after SIGKILL with ` +
        results.map((r) => r.stdout.trim()).join(' | '),
    );
    expect(await sidecar.stop('SIGTERM')).toBe(0);
    sidecar = undefined;
    expect(isMounted(dir)).toBe(false);
  }, 90_000);
});
