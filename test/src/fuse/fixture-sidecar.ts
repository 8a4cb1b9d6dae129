// Test support: a sidecar process serving a fixture file (see fixture-api.ts):
//   node test/dist/fuse/fixture-sidecar.js <mount dir> <fixture.json> <ready file>
import { readFileSync } from 'node:fs';
import { startSidecar } from '@lighthouse/bridge/fuse/sidecar.js';
import { fixtureApi, type FixtureVersion } from './fixture-api.js';

const [dir, fixture, readyFile] = process.argv.slice(2);
if (!dir || !fixture || !readyFile) {
  process.stderr.write('usage: fixture-sidecar <mount dir> <fixture.json> <ready file>\n');
  process.exit(2);
}
const versions = JSON.parse(readFileSync(fixture, 'utf8')) as FixtureVersion[];
const log = {
  info: (m: string, meta?: object) => process.stdout.write(`${JSON.stringify({ message: m, ...meta })}\n`),
  warn: (m: string, meta?: object) =>
    process.stdout.write(`${JSON.stringify({ level: 'warn', message: m, ...meta })}\n`),
};
const sidecar = await startSidecar({
  mountDir: dir,
  api: fixtureApi(versions),
  owner: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  readyFile,
  log,
});
const stop = async () => {
  await sidecar.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
