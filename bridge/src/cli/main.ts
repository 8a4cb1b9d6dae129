// `lighthouse` command line entry.
import { main as serve } from '../main.js';

const usage = `usage: lighthouse <command>

commands:
  run      start a bridge on this machine
  serve    start the bridge server (configuration from the environment)
`;

export async function run(argv: string[]): Promise<void> {
  const [command] = argv;
  switch (command) {
    case 'run':
    case 'serve':
      await serve();
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
