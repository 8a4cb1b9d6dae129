// Test support: an HTTP server under handleShutdown that misbehaves on request:
//   node test/dist/bridge/shutdown-fixture.js clean|leak|hang
// `leak` leaves a handle open after shutdown; `hang` has a closer that never settles.
import { createServer } from 'node:http';
import { createLogger } from '@lighthouse/bridge/logging/logger.js';
import { handleShutdown, type Closer } from '@lighthouse/bridge/server/lifecycle.js';

const mode = process.argv[2];
const server = createServer((_req, res) => res.end());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const closers: Closer[] = [];
if (mode === 'leak') setInterval(() => {}, 60_000);
if (mode === 'hang') closers.push(() => new Promise<void>(() => void setInterval(() => {}, 60_000)));
handleShutdown(server, createLogger('info'), 200, closers);
process.stdout.write('ready\n');
