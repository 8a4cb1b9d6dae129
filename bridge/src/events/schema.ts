// The event store's tables, as migrations applied by openDatabase.
import type { Migration } from '../storage/database.js';

/** Channel on which every committed append NOTIFYs, to wake subscribers on all replicas. */
export const EVENTS_CHANNEL = 'lighthouse_events';

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
    // One group-commit batch in one statement (one round trip, its own implicit
    // transaction): per request, in order, check the expected version against the
    // locked stream row, insert its events or report the actual version.
    id: '0002_append_function',
    sql: `
      CREATE FUNCTION lighthouse_append(
        p_streams text[], p_expected text[], p_counts int[],
        p_ids uuid[], p_types text[], p_data text[], p_metadata text[]
      ) RETURNS TABLE (r_req int, r_ok boolean, r_version int, r_positions text[])
      LANGUAGE plpgsql AS $fn$
      DECLARE
        i int;
        off int := 0;
        cur int;
        n int;
        s text;
        e text;
      BEGIN
        PERFORM set_config('synchronous_commit', 'on', true);
        -- create missing stream rows and lock all of them, in name order (no deadlocks)
        INSERT INTO streams (stream, version)
          SELECT DISTINCT x, 0 FROM unnest(p_streams) AS x ORDER BY 1
          ON CONFLICT (stream) DO UPDATE SET version = streams.version;
        FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
          s := p_streams[i];
          n := p_counts[i];
          e := p_expected[i];
          SELECT st.version INTO cur FROM streams st WHERE st.stream = s;
          IF e = 'any' OR (e = 'no_stream' AND cur = 0) OR (e = 'stream_exists' AND cur > 0)
             OR (e ~ '^[0-9]+$' AND e::int = cur) THEN
            RETURN QUERY
              WITH ins AS (
                INSERT INTO events (id, stream, version, type, data, metadata)
                SELECT p_ids[off + k], s, cur + k, p_types[off + k], p_data[off + k]::jsonb, p_metadata[off + k]::jsonb
                FROM generate_series(1, n) AS k
                RETURNING events.position, events.version
              )
              SELECT i, true, cur + n, array_agg(ins.position::text ORDER BY ins.version) FROM ins;
            UPDATE streams SET version = cur + n WHERE stream = s;
          ELSE
            RETURN QUERY SELECT i, false, cur, NULL::text[];
          END IF;
          off := off + n;
        END LOOP;
        -- delivered at commit, to listeners on every replica
        PERFORM pg_notify('lighthouse_events', '');
      END
      $fn$;
    `,
  },
];
