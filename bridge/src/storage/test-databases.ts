// Test support: the same suite runs on both drivers. Each call gives a fresh,
// empty database: a throwaway database on jest's PostgreSQL server, or PGlite
// in a new temp directory.
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createTestDatabase } from '../testing/postgres.js';

// PGlite's initdb takes seconds (more on a busy machine); tests copy an
// initialised, empty data directory made once and kept between runs.
const TEMPLATE = path.join(tmpdir(), 'lighthouse-pglite-template-0.5');
let template: Promise<string> | undefined;

/** Call from beforeAll (with a long timeout) so the one-time initdb is not charged to a test. */
export function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    if (existsSync(TEMPLATE)) return TEMPLATE;
    const dir = mkdtempSync(path.join(tmpdir(), 'lighthouse-pglite-init-'));
    const db = await PGlite.create({ dataDir: dir });
    await db.close();
    try {
      renameSync(dir, TEMPLATE);
    } catch {
      rmSync(dir, { recursive: true, force: true }); // another worker made it first
    }
    return TEMPLATE;
  })();
  return template;
}

export type DriverName = 'pg' | 'pglite';
export const DRIVERS: DriverName[] = ['pg', 'pglite'];

export interface TestTarget {
  /** openDatabase options for this driver (url or dataDir). */
  location: { url: string } | { dataDir: string };
  dispose(): Promise<void>;
}

export async function testTarget(driver: DriverName): Promise<TestTarget> {
  if (driver === 'pg') {
    const db = await createTestDatabase();
    return { location: { url: db.url }, dispose: () => db.drop() };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'lighthouse-pglite-'));
  cpSync(await pgliteTemplate(), dir, { recursive: true });
  return {
    location: { dataDir: dir },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
