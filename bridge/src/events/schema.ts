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
];
