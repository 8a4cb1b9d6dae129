import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from '../testing/scratch-dir.js';
import { installMcpServer, McpConfigError, mergeMcpConfig } from './install.js';

const entry = { type: 'stdio' as const, command: '/home/u/.config/lighthouse/bin/lighthouse', args: ['mcp'] };

describe('mergeMcpConfig', () => {
  it('adds our server beside existing servers and settings', () => {
    const merged = mergeMcpConfig({ theme: 'dark', mcpServers: { other: { command: 'x' } } }, entry);
    expect(merged).toEqual({ theme: 'dark', mcpServers: { other: { command: 'x' }, lighthouse: entry } });
  });

  it('replaces an older entry of ours instead of duplicating it', () => {
    const once = mergeMcpConfig({}, { ...entry, command: '/old' });
    expect(mergeMcpConfig(once, entry)).toEqual({ mcpServers: { lighthouse: entry } });
  });

  it.each([[[]], ['text'], [{ mcpServers: [] }], [{ mcpServers: 'x' }]])('refuses %j', (bad) => {
    expect(() => mergeMcpConfig(bad, entry)).toThrow(McpConfigError);
  });
});

describe('installMcpServer', () => {
  it('writes .mcp.json in the project and backs up the previous file', () => {
    const dir = scratchDir('mcp-');
    writeFileSync(path.join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { db: { command: 'db-mcp' } } }));
    const r = installMcpServer({ scope: 'project', projectDir: dir, launcher: entry.command });
    expect(r.file).toBe(path.join(dir, '.mcp.json'));
    expect(JSON.parse(readFileSync(r.file, 'utf8'))).toEqual({
      mcpServers: { db: { command: 'db-mcp' }, lighthouse: entry },
    });
    expect(JSON.parse(readFileSync(r.backupFile!, 'utf8'))).toEqual({
      mcpServers: { db: { command: 'db-mcp' } },
    });
  });

  it('writes mcpServers into ~/.claude.json for the user, keeping the rest', () => {
    const home = scratchDir('home-');
    writeFileSync(path.join(home, '.claude.json'), JSON.stringify({ numStartups: 3 }));
    installMcpServer({ scope: 'user', projectDir: '/nowhere', home, launcher: entry.command });
    expect(JSON.parse(readFileSync(path.join(home, '.claude.json'), 'utf8'))).toEqual({
      numStartups: 3,
      mcpServers: { lighthouse: entry },
    });
  });

  it('leaves a file that is not JSON untouched', () => {
    const dir = scratchDir('mcp-');
    writeFileSync(path.join(dir, '.mcp.json'), '{ not json');
    expect(() => installMcpServer({ scope: 'project', projectDir: dir, launcher: 'x' })).toThrow(
      /not valid JSON/,
    );
    expect(readFileSync(path.join(dir, '.mcp.json'), 'utf8')).toBe('{ not json');
    expect(readdirSync(dir)).toEqual(['.mcp.json']);
  });
});
