// `lighthouse` command line entry.
import { main as serve } from '../main.js';
import { agentCommand } from './agent.js';
import { runFuse } from './fuse.js';
import { runLocal } from './run.js';

const usage = `usage: lighthouse <command>

commands:
  run      start a bridge on this machine (embedded store in ./.lighthouse/data, generated master key)
  serve    start the bridge server (configuration from the environment)
  agent    issue or revoke agent credentials (lighthouse agent --help)
  hook     Claude Code hooks: pre-tool-use, post-tool-use, install (lighthouse hook --help)
  elicit   ask another agent a typed question, answer one (lighthouse elicit --help)
  flags    feature flags and kill switches (lighthouse flags --help)
  status   the bridge this CLI talks to, and whether it is ready
  events   events tail: follow the event stream
  fuse     mount the project read-only for expert agents (lighthouse fuse --help)
  mcp      the bridge as an MCP server for this agent; mcp install adds it to Claude Code
`;

export async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      await runLocal(rest);
      return;
    case 'serve':
      await serve();
      return;
    case 'fuse':
      await runFuse(rest);
      return;
    case 'agent':
      process.exitCode = await agentCommand(rest);
      return;
    // Loaded on demand: the hook runs on every tool call and must start fast.
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
