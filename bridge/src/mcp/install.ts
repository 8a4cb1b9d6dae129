// `lighthouse mcp install`: adds the Lighthouse MCP server to Claude Code's
// MCP configuration — `.mcp.json` in the project, or `mcpServers` in
// ~/.claude.json for the user — merging, never clobbering, other servers and
// settings, and keeping a backup of the file it changed.
import { homedir } from 'node:os';
import path from 'node:path';
import { updateJsonFile } from '../hook/install.js';
import { MCP_SERVER_NAME } from './server.js';

export class McpConfigError extends Error {
  override name = 'McpConfigError';
}

export interface McpServerEntry {
  type: 'stdio';
  command: string;
  args: string[];
}

export function mcpConfigFile(scope: 'project' | 'user', projectDir: string, home = homedir()): string {
  return scope === 'user' ? path.join(home, '.claude.json') : path.join(projectDir, '.mcp.json');
}

/** `existing` with our server set under mcpServers; everything else kept as it was. */
export function mergeMcpConfig(existing: unknown, entry: McpServerEntry): Record<string, unknown> {
  if (existing === undefined || existing === null) existing = {};
  if (typeof existing !== 'object' || Array.isArray(existing)) {
    throw new McpConfigError('the MCP configuration is not a JSON object');
  }
  const config = { ...(existing as Record<string, unknown>) };
  const servers = config.mcpServers ?? {};
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) {
    throw new McpConfigError('mcpServers in the MCP configuration is not a JSON object');
  }
  config.mcpServers = { ...(servers as Record<string, unknown>), [MCP_SERVER_NAME]: entry };
  return config;
}

export function installMcpServer(opts: {
  scope: 'project' | 'user';
  projectDir: string;
  home?: string;
  launcher: string;
  now?: Date;
}): { file: string; backupFile: string | null } {
  const file = mcpConfigFile(opts.scope, opts.projectDir, opts.home);
  const { backupFile } = updateJsonFile(
    file,
    (existing) => mergeMcpConfig(existing, { type: 'stdio', command: opts.launcher, args: ['mcp'] }),
    opts.now,
  );
  return { file, backupFile };
}
