import { describe, expect, it } from '@jest/globals';
import { MAX_TREE_DEPTH, parseBash, ShellSyntaxError, walk, type ShNode } from './ast.js';

// These tests pin the parts of mvdan-sh's internal representation the engine reads, so
// an upgrade that changes them fails here first.
describe('parseBash', () => {
  it('gives a plain tree: type names, arrays, null for nil, no positions', () => {
    const file = parseBash('> /dev/sda; ls -l "$HOME" | wc');
    const stmts = file['Stmts'] as ShNode[];
    expect(file.type).toBe('File');
    expect(stmts.map((s) => s.type)).toEqual(['Stmt', 'Stmt']);
    expect(stmts[0]?.['Cmd']).toBeNull();
    const redirect = (stmts[0]?.['Redirs'] as ShNode[])[0];
    expect(redirect).toMatchObject({ type: 'Redirect', Op: 54, N: null });
    expect(redirect).not.toHaveProperty('OpPos');
    const pipe = stmts[1]?.['Cmd'] as ShNode;
    expect(pipe).toMatchObject({ type: 'BinaryCmd', Op: 12 });
    const types: string[] = [];
    walk(pipe, (n) => types.push(n.type));
    expect(types).toEqual([
      'BinaryCmd',
      'Stmt',
      'CallExpr',
      'Word',
      'Lit',
      'Word',
      'Lit',
      'Word',
      'DblQuoted',
      'ParamExp',
      'Lit',
      'Stmt',
      'CallExpr',
      'Word',
      'Lit',
    ]);
  });

  it('reports syntax errors with the parser message and recovers', () => {
    expect(() => parseBash('echo "open')).toThrow(
      new ShellSyntaxError('command:1:6: reached EOF without closing quote "'),
    );
    expect(parseBash('ls').type).toBe('File');
  });

  it('refuses trees deeper than the limit', () => {
    expect(() => parseBash(`${'a | '.repeat(MAX_TREE_DEPTH)}b`)).toThrow(/nested more than/);
  });
});
