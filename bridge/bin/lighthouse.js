#!/usr/bin/env node
// Checks the Node version before loading anything that needs Node 24.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `lighthouse: Node ${process.versions.node} is too old; Node 24 or newer is required (run through make, which installs it)\n`,
  );
  process.exit(1);
}
const argv = process.argv.slice(2);
if (argv[0] === 'hook') {
  // Claude Code runs the hook on every tool call: skip loading the server code.
  const { collaborationCommand } = await import('../dist/cli/collaboration.js');
  process.exitCode = await collaborationCommand('hook', argv.slice(1));
} else {
  const { run } = await import('../dist/cli/main.js');
  await run(argv);
}
