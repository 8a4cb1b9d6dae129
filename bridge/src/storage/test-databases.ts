// Test support: the same suite runs on both drivers. Each call gives a fresh,
// empty database: a throwaway database on jest's PostgreSQL server, or PGlite
// in a new temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../testing/postgres.js';

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
  return {
    location: { dataDir: dir },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
