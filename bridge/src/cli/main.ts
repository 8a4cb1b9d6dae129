// `lighthouse` command line entry. Each command's modules are loaded when it
// runs: the server's alone take seconds on a busy machine, which `--help`, the
// hook and the other small commands should not pay.
import { commandArgs } from './args.js';

const usage = `usage: lighthouse <command>

commands:
  run      start a bridge on this machine (embedded store in ./.lighthouse/data, generated master key)
  serve    start the bridge server (configuration from the environment)
  agent    issue or revoke agent credentials (lighthouse agent --help)
  expert   grant an agent the right to answer escalations, revoke it, list grants (lighthouse expert --help)
  hook     Claude Code hooks: pre-tool-use, post-tool-use, install (lighthouse hook --help)
  elicit   ask another agent a typed question, answer one (lighthouse elicit --help)
  flags    feature flags and kill switches (lighthouse flags --help)
  status   the bridge this CLI talks to, and whether it is ready
  events   events tail: follow the event stream
  fuse     mount the project read-only for expert agents (lighthouse fuse --help)
  mcp      the bridge as an MCP server for this agent; mcp install adds it to Claude Code

every command takes --help: lighthouse <command> --help
`;

const serveUsage = `usage: lighthouse serve

Starts the bridge server in the foreground; it takes no options. Configuration
comes from the environment, checked at start (a bad value exits 2): PORT, HOST,
LOG_LEVEL, LIGHTHOUSE_MASTER_KEY or LIGHTHOUSE_MASTER_KEY_FILE (required),
LIGHTHOUSE_DATABASE_URL (unset: the embedded store in LIGHTHOUSE_DATA_DIR),
LIGHTHOUSE_CONFIG_DIR, and the others in README.md, "The bridge process".
SIGTERM drains in-flight requests and exits 0.
`;

/** `serve`'s arguments: true to start; false after printing help or a usage error. */
function serveArgs(args: string[]): boolean {
  const parsed = commandArgs('serve', { args, options: { help: { type: 'boolean', short: 'h' } } });
  if (!parsed) {
    process.exitCode = 2;
    return false;
  }
  if (parsed.values.help) process.stdout.write(serveUsage);
  return !parsed.values.help;
}

export async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      await (await import('./run.js')).runLocal(rest);
      return;
    case 'serve':
      if (serveArgs(rest)) await (await import('../main.js')).main();
      return;
    case 'fuse':
      await (await import('./fuse.js')).runFuse(rest);
      return;
    case 'agent':
      process.exitCode = await (await import('./agent.js')).agentCommand(rest);
      return;
    case 'expert':
      process.exitCode = await (await import('./expert.js')).expertCommand(rest);
      return;
    case 'hook':
    case 'elicit':
    case 'flags':
    case 'status':
    case 'events':
    case 'mcp':
      process.exitCode = await (await import('./collaboration.js')).collaborationCommand(command, rest);
      return;
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`lighthouse: unknown command "${command}"\n${usage}`);
      process.exitCode = 2;
  }
}
