export default async function globalTeardown() {
  globalThis.__lighthousePostgres?.stop();
}
