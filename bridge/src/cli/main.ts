// `lighthouse` command line entry.
import { main as serve } from '../main.js';
import { agentCommand } from './agent.js';
import { runLocal } from './run.js';

const usage = `usage: lighthouse <command>

commands:
  run      start a bridge on this machine (embedded store in ./.lighthouse/data, generated master key)
  serve    start the bridge server (configuration from the environment)
  agent    issue or revoke agent credentials (lighthouse agent --help)
`;

export async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      await runLocal();
      return;
    case 'serve':
      await serve();
      return;
    case 'agent':
      process.exitCode = await agentCommand(rest);
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
