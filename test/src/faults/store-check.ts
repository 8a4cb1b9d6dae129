// Reads the events table directly: which acknowledged decisions and event
// positions are not there (a fault test expects none).
import type pg from 'pg';

export async function missingDecisions(db: pg.Client, decisionIds: string[]): Promise<string[]> {
  const found = await db.query<{ id: string }>(
    `SELECT id::text AS id FROM events WHERE stream = 'decisions' AND id = ANY($1::uuid[])`,
    [decisionIds],
  );
  const have = new Set(found.rows.map((r) => r.id));
  return decisionIds.filter((id) => !have.has(id));
}

export async function missingPositions(db: pg.Client, positions: string[]): Promise<string[]> {
  const found = await db.query<{ position: string }>(
    `SELECT position::text AS position FROM events WHERE position = ANY($1::bigint[])`,
    [positions],
  );
  const have = new Set(found.rows.map((r) => r.position));
  return positions.filter((p) => !have.has(p));
}
