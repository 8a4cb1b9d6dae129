#!/usr/bin/env node
// Checks the Node version before loading anything that needs Node 24.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `lighthouse: Node ${process.versions.node} is too old; Node 24 or newer is required (run through make, which installs it)\n`,
  );
  process.exit(1);
}
// Claude Code starts this for every tool call: V8 keeps the compiled code between
// runs, in the user's own cache directory (a shared /tmp one could be planted).
const { enableCompileCache } = await import('node:module');
const { homedir } = await import('node:os');
const cacheHome = process.env.XDG_CACHE_HOME || `${homedir()}/.cache`;
enableCompileCache(`${cacheHome}/lighthouse/node-compile-cache`);

const argv = process.argv.slice(2);
if (argv[0] === 'hook') {
  // Claude Code runs the hook on every tool call: skip loading the server code.
  const { collaborationCommand } = await import('../dist/cli/collaboration.js');
  process.exitCode = await collaborationCommand('hook', argv.slice(1));
} else {
  const { run } = await import('../dist/cli/main.js');
  await run(argv);
}
