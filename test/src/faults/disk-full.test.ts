// Fill the database's disk: the events database lives in a tablespace on a
// small tmpfs, which a filler file then fills under load. Appends and
// validations fail with a clear, retryable error (never an unrecorded allow),
// nothing acknowledged is lost, every stream stays consistent, and the bridge
// serves again as soon as space returns.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@lighthouse/bridge/testing/postgres.js';
import { startTestBridge, until, type TestBridge } from '../bridge/harness.js';
import { startTraffic } from './traffic.js';
import { missingDecisions, missingPositions } from './store-check.js';

const space = mkdtempSync(path.join(tmpdir(), 'lh-fault-disk-'));
const filler = path.join(space, 'filler');
let mounted = false;
let server: PostgresServer;
let bridge: TestBridge;
let dbUrl: string;

/** Mounts a 40 MiB tmpfs (root only): fails with one line saying why when this machine cannot. */
function mountSmallDisk(): void {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=0700', 'tmpfs', space], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new Error(
      `cannot mount a tmpfs for the full-disk test (needs root): ${(r.stderr || r.error?.message || '').trim()}`,
    );
  }
  mounted = true;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(space, uid, gid);
}

beforeAll(async () => {
  mountSmallDisk();
  server = await startPostgres();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE TABLESPACE lh_small LOCATION '${space}'`);
    await admin.query('CREATE DATABASE lh_full TABLESPACE lh_small');
  } finally {
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = '/lh_full';
  dbUrl = url.toString();
  bridge = await startTestBridge(
    { databaseUrl: dbUrl },
    { LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: '1000000', LIGHTHOUSE_RATE_WRITES_PER_MINUTE: '1000000' },
  );
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  server?.stop();
  if (mounted) spawnSync('umount', [space]);
  rmSync(space, { recursive: true, force: true });
});

/** Writes zeros until the tmpfs is full (dd's ENOSPC is the point, not a failure). */
function fillDisk(): void {
  spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { encoding: 'utf8' });
  const df = execFileSync('df', ['--output=avail', '-B1', space], { encoding: 'utf8' });
  const avail = Number(df.trim().split('\n').at(-1));
  if (avail > 64 * 1024) throw new Error(`the disk did not fill: ${avail} bytes still free`);
}

describe('the database disk fills up', () => {
  it('answers clear retryable errors, loses nothing acknowledged, and recovers when space returns', async () => {
    const traffic = startTraffic({
      clients: [1, 2, 3].map((i) => bridge.client(`agent-disk${i}`)),
      concurrency: 6,
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const before = new Map(traffic.ledger.outcomes);
    fillDisk();
    await new Promise((r) => setTimeout(r, 3_000));
    const during = [...traffic.ledger.outcomes].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const);
    rmSync(filler);
    const freed = performance.now();
    const probe = bridge.client('agent-probe');
    const recoveredMs = await until(async () => {
      const res = await probe.post('/v1/events', {
        stream: 'fault-probe',
        events: [{ type: 'Probe', data: {} }],
      });
      return res.status === 201 ? performance.now() - freed : undefined;
    }, 20_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const ledger = await traffic.stop();
    console.log(
      `disk full: answers while full ${JSON.stringify(Object.fromEntries(during.filter(([, n]) => n > 0)))}; ` +
        `appends again ${Math.round(recoveredMs)} ms after space returned; ` +
        `${ledger.decisions.length} decisions + ${ledger.positions.length} events acknowledged`,
    );

    // While full, writes failed — with the store's retryable refusal, never a bare 500.
    const refused = during.filter(([k]) => !/^(200 (allow|block)\/(cache|policy|risk)|201)$/.test(k));
    expect(refused.length).toBeGreaterThan(0);
    for (const [k] of refused) expect(k).toMatch(/^(503 store_unavailable|200 block\/error)$/);
    expect(ledger.unavailableWithoutRetryAfter).toBe(0);
    expect(recoveredMs).toBeLessThan(10_000);

    const store = new pg.Client({ connectionString: dbUrl });
    await store.connect();
    try {
      // Every allow the bridge answered was recorded first; every acknowledged append is there.
      expect(await missingDecisions(store, ledger.decisions)).toEqual([]);
      expect(await missingPositions(store, ledger.positions)).toEqual([]);
      // No torn stream: versions 1..n without holes, and the streams table agrees.
      const torn = await store.query(
        `SELECT e.stream, count(*) AS n, max(e.version) AS max, s.version AS recorded
           FROM events e LEFT JOIN streams s USING (stream)
          GROUP BY e.stream, s.version
         HAVING count(*) <> max(e.version) OR s.version IS DISTINCT FROM max(e.version)`,
      );
      expect(torn.rows).toEqual([]);
    } finally {
      await store.end();
    }
  }, 60_000);
});
