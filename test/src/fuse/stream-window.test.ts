// /streams logs keep a bounded window in memory (`--stream-kb`): older lines
// are dropped from the head, which then reads as NUL bytes, while sizes and
// offsets keep counting so `tail -f` readers that keep up lose nothing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startBridge, type BridgeProcess } from './bridge-process.js';
import { requireFuse, sh, tempDir, waitFor } from './mount-process.js';
import { cleanUp } from '../processes/child.js';

requireFuse();

let bridge: BridgeProcess;
const work = tempDir('lh-fuse-window-');
const dir = path.join(work, 'mnt');
const log = () => `${dir}/streams/file:log.txt`;

async function change(i: number): Promise<void> {
  const res = await bridge.client.post('/v1/files', { path: 'log.txt', content: `version ${i}\n` });
  if (res.status !== 201) throw new Error(`POST /v1/files answered ${res.status}`);
}

beforeAll(async () => {
  bridge = await startBridge(); // the embedded store
  for (let i = 1; i <= 3; i++) await change(i);
  await bridge.mount(dir, ['--stream-kb', '1']); // stopped by bridge.stop()
}, 120_000);

afterAll(
  () =>
    cleanUp(
      () => bridge?.stop(),
      () => rmSync(work, { recursive: true, force: true }),
    ),
  60_000,
);

describe('a stream log longer than its window', () => {
  test('tail -f sees every line while the head is dropped; the file keeps its size and offsets', async () => {
    const tail = spawn('tail', ['-F', '-n', '+1', '-s', '0.1', log()]);
    let out = '';
    tail.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const lines = () => out.split('\n').filter(Boolean);
    try {
      await waitFor('the first three lines', async () => (lines().length === 3 ? true : undefined));
      // One change at a time: each appends one line, far less than the 1 KiB window.
      for (let i = 4; i <= 30; i++) {
        await change(i);
        await waitFor(`line ${i}`, async () => (lines().length === i ? true : undefined));
      }
    } finally {
      tail.kill();
    }
    expect(out).not.toContain('\0');
    expect(lines().every((l) => l.includes(' FileChanged '))).toBe(true);

    // The whole log is 30 lines; only the last ~1 KiB is kept, the head reads as zeros.
    const size = Number((await sh(`stat -c %s '${log()}'`)).stdout.trim());
    expect(size).toBe(Buffer.byteLength(out, 'latin1'));
    expect(size).toBeGreaterThan(3 * 1024);
    const cat = await sh(`cat '${log()}' | od -An -tx1 -v | tr -s ' \\n' ' ' | wc -w`);
    expect(Number(cat.stdout.trim())).toBe(size);
    const head = await sh(`head -c 64 '${log()}' | od -An -tx1 -v | tr -d ' \\n'`);
    expect(head.stdout).toBe('00'.repeat(64));
    // The kept window (at most 1 KiB, whole lines) reads as what tail printed last.
    const last = await sh(`tail -c 256 '${log()}'`);
    expect(last.stdout).toHaveLength(256);
    expect(out.endsWith(last.stdout)).toBe(true);
  }, 120_000);
});
