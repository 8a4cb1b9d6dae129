// The event store's tables, as migrations applied by openDatabase.
import type { Migration } from '../storage/database.js';

/** Channel on which every committed append NOTIFYs, to wake subscribers on all replicas. */
export const EVENTS_CHANNEL = 'lighthouse_events';

// Both append functions take one group-commit batch: p_req/p_k give each
// event's request (1-based) and its place in that request. Requests are decided
// in order against the stream rows, locked in name order; then all accepted
// events go in with one INSERT, in one statement (one round trip, its own
// implicit transaction). DECIDE and NOTIFY are their shared body.
const PARAMS = `(
        p_streams text[], p_expected text[], p_counts int[],
        p_ids uuid[], p_req int[], p_k int[], p_types text[], p_data text[], p_metadata text[]
      )`;

const DECIDE = `      LANGUAGE plpgsql AS $fn$
      DECLARE
        len int := coalesce(array_length(p_streams, 1), 0);
        names text[];
        vers int[];
        j int;
        ok boolean[] := array_fill(false, ARRAY[len]);
        base int[] := array_fill(0, ARRAY[len]);
        cur int;
        e text;
      BEGIN
        PERFORM set_config('synchronous_commit', 'on', true);
        -- create missing stream rows and lock all of them, in name order (no deadlocks)
        WITH locked AS (
          INSERT INTO streams (stream, version)
            SELECT DISTINCT x, 0 FROM unnest(p_streams) AS x ORDER BY 1
            ON CONFLICT (stream) DO UPDATE SET version = streams.version
            RETURNING stream, version
        ) SELECT array_agg(stream ORDER BY stream), array_agg(version ORDER BY stream) INTO names, vers FROM locked;
        FOR i IN 1 .. len LOOP
          j := array_position(names, p_streams[i]);
          cur := vers[j];
          e := p_expected[i];
          base[i] := cur;
          IF e = 'any' OR (e = 'no_stream' AND cur = 0) OR (e = 'stream_exists' AND cur > 0)
             OR (e ~ '^[0-9]+$' AND e::int = cur) THEN
            ok[i] := true;
            vers[j] := cur + p_counts[i];
          END IF;
        END LOOP;
`;

// Delivered at commit, to listeners on every replica (see commit-notice.ts).
const NOTIFY = `        PERFORM pg_notify('lighthouse_events', pg_current_xact_id()::text || coalesce((
          SELECT CASE WHEN sum(length(t)) < 7000 THEN ' ' || string_agg(t, ' ') ELSE '' END
          FROM (SELECT DISTINCT t FROM unnest(p_types) AS t) AS d), ''));
      END
      $fn$;
`;

// The accepted requests' events go in with one INSERT (as `ins`) and the
// streams' new versions with one UPDATE; `data` names the data and metadata texts.
const insertAccepted = (data: string) => `          WITH ins AS (
            INSERT INTO events (id, stream, version, type, data, metadata)
            SELECT ev.id, p_streams[ev.req], base[ev.req] + ev.k, ev.type, ev.data::jsonb, ev.meta::jsonb
            FROM unnest(p_ids, p_req, p_k, p_types, ${data}) AS ev(id, req, k, type, data, meta)
            WHERE ok[ev.req]
            ORDER BY ev.req, ev.k
            RETURNING events.position, events.stream, events.version
          ), upd AS (
            UPDATE streams SET version = u.v FROM unnest(names, vers) AS u(s, v)
            WHERE streams.stream = u.s AND streams.version <> u.v
          )`;

// The first version: one row per request, its events' positions aggregated in
// SQL. Every migration that changed it ran this, the latest text, again (CREATE
// OR REPLACE). It stays for replicas of the previous release during a rolling update.
const APPEND_FUNCTION = `
      CREATE OR REPLACE FUNCTION lighthouse_append${PARAMS} RETURNS TABLE (r_req int, r_ok boolean, r_version int, r_positions text[])
${DECIDE}        RETURN QUERY
${insertAccepted('p_data, p_metadata')}
          SELECT r.i, ok[r.i], CASE WHEN ok[r.i] THEN base[r.i] + p_counts[r.i] ELSE base[r.i] END,
                 array_agg(ins.position::text ORDER BY ins.version) FILTER (WHERE ins.position IS NOT NULL)
          FROM generate_series(1, len) AS r(i)
          LEFT JOIN ins ON ok[r.i] AND ins.stream = p_streams[r.i]
            AND ins.version > base[r.i] AND ins.version <= base[r.i] + p_counts[r.i]
          GROUP BY r.i;
${NOTIFY}`;

// Events' data and metadata come as one text each, joined by U+001E (JSON text
// never holds a raw control character): an array parameter would be escaped
// element by element in Node and unescaped again in PostgreSQL.
const FLAT_PARAMS = `(
        p_streams text[], p_expected text[], p_counts int[],
        p_ids uuid[], p_req int[], p_k int[], p_types text[], p_data text, p_metadata text
      )`;

// What the append writer calls. It returns flat rows instead: a row per
// request (r_req, r_ok, r_version = its stream's version before it) and a row
// per inserted event (r_stream, r_version, r_position), which the caller maps
// back to requests. Aggregating positions per request in SQL cost
// about a sixth of the statement's time. Its statements' plans do not depend on
// the batch, but PostgreSQL kept planning the INSERT anew for every call (0.6 ms
// of a 4 ms call, in pg_stat_statements): generic plans are forced.
const APPEND_FLAT_FUNCTION = `
      CREATE OR REPLACE FUNCTION lighthouse_append_flat${FLAT_PARAMS} RETURNS TABLE (r_req int, r_ok boolean, r_version int, r_stream text, r_position bigint)
      SET plan_cache_mode = force_generic_plan
${DECIDE}        RETURN QUERY
          SELECT r.i::int, r.okv, r.b, NULL::text, NULL::bigint
          FROM unnest(ok, base) WITH ORDINALITY AS r(okv, b, i);
        RETURN QUERY
${insertAccepted('string_to_array(p_data, chr(30)), string_to_array(p_metadata, chr(30))')}
          SELECT NULL::int, true, ins.version, ins.stream, ins.position FROM ins;
${NOTIFY}`;

export const eventMigrations: Migration[] = [
  {
    id: '0001_events',
    sql: `
      CREATE TABLE events (
        position   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        txid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
        id         uuid NOT NULL UNIQUE,
        stream     text NOT NULL,
        version    integer NOT NULL CHECK (version > 0),
        type       text NOT NULL,
        data       jsonb NOT NULL,
        metadata   jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream, version)
      );
      -- subscribers read in (txid, position) order
      CREATE INDEX events_txid_position ON events (txid, position);
      CREATE INDEX events_type_created_at ON events (type, created_at);
      CREATE INDEX events_created_at ON events (created_at);
      -- LIKE 'prefix%' on stream names
      CREATE INDEX events_stream_pattern ON events (stream text_pattern_ops);

      -- one row per stream: its current version, locked by appends (optimistic concurrency)
      CREATE TABLE streams (
        stream  text PRIMARY KEY,
        version integer NOT NULL
      );

      CREATE TABLE subscription_checkpoints (
        name       text PRIMARY KEY,
        txid       xid8 NOT NULL,
        position   bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE snapshots (
        stream     text NOT NULL,
        version    integer NOT NULL,
        state      jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream, version)
      );
    `,
  },
  {
    id: '0002_append_function',
    sql: APPEND_FUNCTION,
  },
  {
    // The NOTIFY names the committing transaction and the types it wrote, so a
    // replica wakes only the subscribers that read them.
    id: '0003_append_notify_types',
    sql: APPEND_FUNCTION,
  },
  {
    id: '0004_append_flat',
    sql: APPEND_FLAT_FUNCTION,
  },
];
