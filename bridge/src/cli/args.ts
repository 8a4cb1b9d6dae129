// Command-line arguments as every `lighthouse` command reads them: node's
// parseArgs, and a usage error as one line on stderr that points at --help.
import type { ParseArgsConfig } from 'node:util';

// The hook runs per tool call: node:util from getBuiltinModule, not an ESM import.
const { parseArgs } = process.getBuiltinModule('node:util');

/** A bad option or argument, as parseArgs reports it. */
export function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** A usage error in one line: parseArgs spreads some over three (an option value starting with '-'). */
export function usageLine(command: string, err: unknown): string {
  return `lighthouse ${command}: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')} (see --help)\n`;
}

/** The parsed arguments, or undefined after printing the usage error (the command then exits 2). */
export function commandArgs<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> | undefined {
  try {
    return parseArgs(config);
  } catch (err) {
    if (!isUsageError(err)) throw err;
    process.stderr.write(usageLine(command, err));
    return undefined;
  }
}
