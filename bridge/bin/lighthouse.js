#!/usr/bin/env node
// Checks the Node version before loading anything that needs Node 24.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `lighthouse: Node ${process.versions.node} is too old; Node 24 or newer is required (run through make, which installs it)\n`,
  );
  process.exit(1);
}
const { run } = await import('../dist/cli/main.js');
await run(process.argv.slice(2));
