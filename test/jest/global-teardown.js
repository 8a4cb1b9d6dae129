import { teardownControlPlane } from '../dist/controlplane/jest-global.js';

export default async function globalTeardown() {
  globalThis.__lighthousePostgres?.stop();
  await teardownControlPlane();
}
