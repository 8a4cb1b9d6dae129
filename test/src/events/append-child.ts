// Child process for the durability tests: appends in a loop with several
// concurrent callers and prints one JSON line per acknowledged append, until
// killed (or, with `stopAfter`, until that many appends were acknowledged).
import { randomUUID } from 'node:crypto';
import { openEventStore } from '@lighthouse/bridge/events/index.js';

interface ChildConfig {
  location: { url: string } | { dataDir: string };
  callers: number;
  eventsPerAppend: number;
  stopAfter?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const store = await openEventStore({ ...config.location });
process.stdout.write('ready\n');
let acked = 0;
let stopping = false;

async function caller(n: number): Promise<void> {
  const stream = `durable-${n}-${process.pid}`;
  for (let i = 0; !stopping; i++) {
    const batch = randomUUID();
    const events = Array.from({ length: config.eventsPerAppend }, (_, k) => ({
      id: randomUUID(),
      type: 'Durable',
      data: { batch, k, padding: 'x'.repeat(200) },
    }));
    const r = await store.append(stream, events, { expectedVersion: i * config.eventsPerAppend });
    process.stdout.write(
      `${JSON.stringify({ stream, batch, ids: events.map((e) => e.id), version: r.version })}\n`,
    );
    if (config.stopAfter !== undefined && ++acked >= config.stopAfter) stopping = true;
  }
}

await Promise.all(Array.from({ length: config.callers }, (_, n) => caller(n)));
await store.close();
