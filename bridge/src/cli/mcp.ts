// `lighthouse mcp`: serve the MCP server over stdio; `lighthouse mcp install`:
// add it to Claude Code's MCP configuration.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BridgeClient } from '../client/bridge-client.js';
import { configDir, resolveClient } from '../hook/client-config.js';
import { writeLauncher } from '../hook/install.js';
import { SettingsError } from '../hook/settings.js';
import { installMcpServer, McpConfigError } from '../mcp/install.js';
import { CommandError } from './connect.js';

const usage = `usage: lighthouse mcp [serve | install [--project|--user] [--project-dir <dir>] [--json]] [--help]

  serve     (default) the Lighthouse MCP server on stdin/stdout, talking to the
            bridge with this agent's credential (LIGHTHOUSE_URL and
            LIGHTHOUSE_CREDENTIAL(_FILE), else ~/.config/lighthouse/config.json)
  install   add it to Claude Code: .mcp.json in the project (default) or
            ~/.claude.json (--user); other servers and settings are kept and
            the previous file is backed up
`;

async function serve(args: string[]): Promise<number> {
  if (parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } }).values.help)
    return (process.stdout.write(usage), 0);
  const c = resolveClient();
  // The MCP SDK is loaded only to serve: `mcp --help` and `mcp install` do not need it.
  const [{ StdioServerTransport }, { createMcpServer }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('../mcp/server.js'),
  ]);
  const client = new BridgeClient({ url: c.url, credential: c.credential, timeoutMs: 330_000 });
  const server = createMcpServer(client, c.url);
  await server.connect(new StdioServerTransport());
  // Runs until the client closes stdin.
  await new Promise<void>((resolve) => process.stdin.once('close', resolve));
  await server.close();
  return 0;
}

function install(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      project: { type: 'boolean' },
      user: { type: 'boolean' },
      'project-dir': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return (process.stdout.write(usage), 0);
  if (values.project && values.user) throw new CommandError('give --project or --user, not both', 2);
  resolveClient(); // the server must be able to reach a bridge: fail now, not in every session
  const launcher = path.join(configDir(), 'bin', 'lighthouse');
  writeLauncher(
    launcher,
    process.execPath,
    fileURLToPath(new URL('../../bin/lighthouse.js', import.meta.url)),
  );
  let r;
  try {
    r = installMcpServer({
      scope: values.user ? 'user' : 'project',
      projectDir: path.resolve(values['project-dir'] ?? process.cwd()),
      launcher,
    });
  } catch (err) {
    if (err instanceof McpConfigError || err instanceof SettingsError) throw new CommandError(err.message, 1);
    throw err;
  }
  process.stdout.write(
    values.json
      ? JSON.stringify({ ...r, launcher }) + '\n'
      : `added the lighthouse MCP server to ${r.file}\n` +
          (r.backupFile ? `  previous file saved as ${r.backupFile}\n` : '') +
          `  command: ${launcher} mcp\n`,
  );
  return 0;
}

export async function mcpCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case undefined:
      return serve([]);
    case 'serve':
      return serve(rest);
    case 'install':
      return install(rest);
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return 0;
    default:
      throw new CommandError(`unknown command "${sub}"\n${usage}`, 2);
  }
}
