import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../logging/logger.js';
import type { Policy } from '../policy/types.js';
import { PolicySource } from './policy-source.js';

const logger = createLogger('error');
logger.silent = true;

// A stand-in parser with plain values: the document's text is the revision; "bad" does not parse.
const parse = (text: string): Policy => {
  if (text.trim() === 'bad') throw new Error('invalid policy');
  return { revision: text.trim(), rules: [] };
};
const fallback = (): Policy => ({ revision: 'default', rules: [] });

describe('PolicySource', () => {
  it('uses the default without a config dir or without policy.yaml', async () => {
    const none = new PolicySource({ configDir: undefined, parse, fallback, logger, onChange: () => {} });
    await none.start();
    expect(none.current.revision).toBe('default');
    const dir = mkdtempSync(path.join(tmpdir(), 'lh-ps-'));
    const empty = new PolicySource({ configDir: dir, parse, fallback, logger, onChange: () => {} });
    await empty.start();
    expect(empty.current.revision).toBe('default');
    empty.stop();
    rmSync(dir, { recursive: true });
  });

  it('refuses a bad document at start, and keeps the current policy when a later one is bad', async () => {
    const { dir, file, changes, source } = withPolicy('bad');
    await expect(source().start()).rejects.toThrow('invalid policy');

    writeFileSync(file, 'r1');
    const src = source(20);
    await src.start();
    expect(src.current.revision).toBe('r1');
    writeFileSync(file, 'r2');
    await waitFor(() => src.current.revision === 'r2');
    writeFileSync(file, 'bad');
    await new Promise((r) => setTimeout(r, 100));
    expect(src.current.revision).toBe('r2');
    rmSync(file);
    await waitFor(() => src.current.revision === 'default');
    expect(changes).toEqual(['r1', 'r2', 'default']);
    src.stop();
    rmSync(dir, { recursive: true });
  });

  it('applies a new text only when two polls in a row read it (no half-written file)', async () => {
    const { dir, file, changes, source } = withPolicy('r1');
    const src = source();
    await src.start();
    src.stop(); // polled by hand below
    writeFileSync(file, 'r'); // caught half written: read once, never applied
    await src.poll();
    writeFileSync(file, 'r2');
    await src.poll();
    expect(src.current.revision).toBe('r1');
    await src.poll();
    expect(src.current.revision).toBe('r2');
    expect(changes).toEqual(['r1', 'r2']);
    rmSync(dir, { recursive: true });
  });

  it('after an unreadable read, a new text again needs two reads in a row', async () => {
    const { dir, file, changes, source } = withPolicy('r1');
    const src = source();
    await src.start();
    src.stop(); // polled by hand below
    writeFileSync(file, 'r2');
    await src.poll(); // read once
    rmSync(file);
    mkdirSync(file); // EISDIR: unreadable, even for root
    await src.poll();
    rmSync(file, { recursive: true });
    writeFileSync(file, 'r2');
    await src.poll(); // the read before this one failed: not settled
    expect(src.current.revision).toBe('r1');
    await src.poll();
    expect(src.current.revision).toBe('r2');
    expect(changes).toEqual(['r1', 'r2']);
    rmSync(dir, { recursive: true });
  });
});

/** A config dir whose policy.yaml holds `text`, and sources on it that record their changes. */
function withPolicy(text: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'lh-ps-'));
  const file = path.join(dir, 'policy.yaml');
  writeFileSync(file, text);
  const changes: string[] = [];
  const source = (pollMs?: number) =>
    new PolicySource({
      configDir: dir,
      parse,
      fallback,
      logger,
      onChange: (p) => changes.push(p.revision),
      pollMs,
    });
  return { dir, file, changes, source };
}

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(ok()).toBe(true);
}
