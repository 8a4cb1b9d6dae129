// Dispatch for the agent-collaboration commands, with one place that turns
// their errors into a message and an exit code.
import { MalformedAnswerError, unreachableCause } from '../client/bridge-client.js';
import { ClientConfigError } from '../hook/client-config.js';
import { isUsageError, usageLine } from './args.js';
import { CommandError } from './connect.js';

const commands: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  hook: async () => (await import('./hook.js')).hookCommand,
  elicit: async () => (await import('./elicit.js')).elicitCommand,
  flags: async () => (await import('./flags.js')).flagsCommand,
  status: async () => (await import('./status.js')).statusCommand,
  events: async () => (await import('./events.js')).eventsCommand,
  mcp: async () => (await import('./mcp.js')).mcpCommand,
};

export async function collaborationCommand(name: string, argv: string[]): Promise<number> {
  const load = commands[name];
  if (!load) throw new Error(`no command ${name}`);
  try {
    return await (
      await load()
    )(argv);
  } catch (err) {
    if (err instanceof CommandError || err instanceof ClientConfigError) {
      process.stderr.write(`lighthouse ${name}: ${err.message}\n`);
      return err instanceof CommandError ? err.exitCode : 2;
    }
    if (isUsageError(err)) {
      process.stderr.write(usageLine(name, err));
      return 2;
    }
    if (err instanceof MalformedAnswerError) {
      process.stderr.write(`lighthouse ${name}: ${err.message}\n`);
      return 1;
    }
    const cause = unreachableCause(err);
    if (cause !== undefined) {
      process.stderr.write(`lighthouse ${name}: bridge unreachable (${cause})\n`);
      return 1;
    }
    throw err;
  }
}
