// Durability across process death: a child appends in a loop and is SIGKILLed;
// everything it acknowledged must be there afterwards, and no append half there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEventStore } from '@lighthouse/bridge/events/index.js';
import {
  DRIVERS,
  pgliteTemplate,
  testTarget,
  type TestTarget,
} from '@lighthouse/bridge/storage/test-databases.js';

const here = fileURLToPath(new URL('.', import.meta.url));
// The child runs the built code (as the bridge does); `make test` builds first.
const CHILD = path.resolve(here, '../../dist/events/append-child.js');

interface Ack {
  stream: string;
  batch: string;
  ids: string[];
  version: number;
}

beforeAll(() => pgliteTemplate(), 180_000);

function runChild(
  config: object,
  onAck: (a: Ack) => void,
): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} missing: build with \`npx tsc -b bridge operator test\``);
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buf = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === 'ready') onReady();
      else onAck(JSON.parse(line) as Ack);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, ready, exited };
}

describe.each(DRIVERS)('durability on %s', (driver) => {
  let target: TestTarget;
  beforeAll(async () => {
    target = await testTarget(driver);
  }, 120_000);
  afterAll(() => target.dispose());

  it('keeps every acknowledged append and no half append after SIGKILL', async () => {
    const acks: Ack[] = [];
    const { child, ready, exited } = runChild(
      { location: target.location, callers: 10, eventsPerAppend: 3 },
      (a) => acks.push(a),
    );
    await ready;
    const start = Date.now();
    while (acks.length < 150 && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 5));
    // at a random moment, so that some kills land in the middle of a group commit
    await new Promise((r) => setTimeout(r, Math.random() * 30));
    child.kill('SIGKILL');
    expect(await exited).toBeNull();
    expect(acks.length).toBeGreaterThanOrEqual(150);

    const store = await openEventStore({ ...target.location });
    try {
      const { rows } = await store.db.query<{ id: string; stream: string; version: number; batch: string }>(
        "SELECT id::text AS id, stream, version, data->>'batch' AS batch FROM events WHERE stream LIKE 'durable-%'",
      );
      const stored = new Set(rows.map((r) => r.id));
      const missing = acks.flatMap((a) => a.ids).filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      // every append is whole: 3 rows per batch, versions contiguous per stream
      const perBatch = new Map<string, number>();
      for (const r of rows) perBatch.set(r.batch, (perBatch.get(r.batch) ?? 0) + 1);
      expect([...perBatch.values()].filter((n) => n !== 3)).toEqual([]);
      const perStream = new Map<string, number[]>();
      for (const r of rows) perStream.set(r.stream, [...(perStream.get(r.stream) ?? []), r.version]);
      for (const versions of perStream.values()) {
        versions.sort((a, b) => a - b);
        expect(versions).toEqual(versions.map((_, i) => i + 1));
      }
      // the stream table agrees with the events (the next append starts at the right version)
      const { rows: streams } = await store.db.query<{ stream: string; version: number }>(
        "SELECT stream, version FROM streams WHERE stream LIKE 'durable-%'",
      );
      for (const s of streams)
        expect([s.stream, s.version]).toEqual([s.stream, perStream.get(s.stream)?.length ?? 0]);
      console.log(
        `${driver}: ${acks.length} appends acknowledged before SIGKILL, ${rows.length} events stored`,
      );
    } finally {
      await store.close();
    }
  }, 120_000);

  it('keeps the data of a process that exited, for the next process', async () => {
    const acks: Ack[] = [];
    const { exited } = runChild(
      { location: target.location, callers: 2, eventsPerAppend: 1, stopAfter: 20 },
      (a) => acks.push(a),
    );
    expect(await exited).toBe(0);
    const store = await openEventStore({ ...target.location });
    try {
      for (const a of acks) {
        const events = await store.readStream(a.stream, { fromVersion: a.version, limit: 1 });
        expect(events.map((e) => e.id)).toEqual(a.ids);
      }
    } finally {
      await store.close();
    }
  }, 120_000);
});
