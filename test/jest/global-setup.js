// Starts one private PostgreSQL server for the whole jest run (tests create
// their own databases on it). Uses the built bridge package: `make test` builds first.
import { startPostgres } from '@lighthouse/bridge/testing/postgres.js';
// One Kubernetes control plane per run (test/src/controlplane/jest-global.ts).
import { setupControlPlane } from '../dist/controlplane/jest-global.js';

export default async function globalSetup() {
  const server = await startPostgres();
  process.env.LIGHTHOUSE_TEST_PG_URL = server.url;
  globalThis.__lighthousePostgres = server;
  await setupControlPlane();
}
