// Real symlinks in a temporary directory, resolved as the hook resolves them.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { PATH_FIELDS as POLICY_PATH_FIELDS } from '../policy/subject.js';
import { PATH_FIELDS, realPath, resolvedPathsField } from './real-paths.js';

// realpath: the temporary directory may itself lie behind a symlink (macOS /tmp).
const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'real-paths-')));
const project = path.join(dir, 'project');
mkdirSync(path.join(project, 'src'), { recursive: true });
writeFileSync(path.join(project, 'src', 'a.ts'), '');
symlinkSync('/etc', path.join(project, 'link'));
symlinkSync('src', path.join(project, 'relative'));
symlinkSync('/etc/lighthouse-test-missing', path.join(project, 'dangling'));
symlinkSync('loop-b', path.join(project, 'loop-a'));
symlinkSync('loop-a', path.join(project, 'loop-b'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// /etc's own real path (/private/etc on macOS).
const etc = realpathSync('/etc');

const field = (tool_input: Record<string, unknown>, cwd: string | undefined = project, home?: string) =>
  resolvedPathsField({ tool_input, cwd }, home);

describe('realPath', () => {
  it.each([
    ['a symlink to /etc', 'link/passwd', `${etc}/passwd`],
    [
      'a file that does not exist yet, behind a symlink',
      'link/lighthouse-new/file',
      `${etc}/lighthouse-new/file`,
    ],
    ['a relative link target', 'relative/a.ts', `${project}/src/a.ts`],
    ['`..` after a symlink, from its target', 'link/../root/x', path.join(etc, '..', 'root', 'x')],
    ['a dangling link, whose target a write creates', 'dangling', `${etc}/lighthouse-test-missing`],
    ['a missing directory, then `..`, then a link', 'new/../link/hosts', `${etc}/hosts`],
    ['no symlink at all', 'src/./a.ts', `${project}/src/a.ts`],
  ])('%s', (_name, relative, expected) => {
    expect(realPath(`${project}/${relative}`)).toBe(expected);
  });

  it('gives up on a symlink loop after as many links as the kernel follows, keeping the name', () => {
    expect(realPath(`${project}/loop-a/x`)).toMatch(new RegExp(`^${project}/loop-[ab]/x$`));
  });
});

describe('resolvedPathsField', () => {
  it('maps each path argument that goes through a symlink to its real path, cwd-relative or absolute', () => {
    expect(field({ file_path: './link/passwd', content: 'x' })).toEqual({
      resolvedPaths: { './link/passwd': `${etc}/passwd` },
    });
    expect(field({ notebook_path: `${project}/relative/n.ipynb` })).toEqual({
      resolvedPaths: { [`${project}/relative/n.ipynb`]: `${project}/src/n.ipynb` },
    });
    expect(field({ path: 'link', pattern: 'root' })).toEqual({ resolvedPaths: { link: etc } });
  });

  it('sends nothing when no path goes through a symlink', () => {
    expect(field({ file_path: `${project}/src/../src/a.ts` })).toEqual({});
    expect(field({ command: 'cat link/passwd' })).toEqual({});
    expect(field({ file_path: 42, path: '' })).toEqual({});
  });

  it('expands ~ with the home directory and leaves ~user alone', () => {
    expect(field({ file_path: '~/link/passwd' }, '/', project)).toEqual({
      resolvedPaths: { '~/link/passwd': `${etc}/passwd` },
    });
    expect(field({ file_path: '~root/x' }, '/', project)).toEqual({});
    expect(field({ file_path: '~/link/passwd' }, '/', undefined)).toEqual({});
  });

  it('resolves against the process cwd when the hook input has none', () => {
    const cwd = process.cwd();
    process.chdir(project);
    try {
      expect(field({ file_path: 'link/hosts' }, undefined)).toEqual({
        resolvedPaths: { 'link/hosts': `${etc}/hosts` },
      });
    } finally {
      process.chdir(cwd);
    }
  });

  it('leaves paths longer than the API accepts to the lexical check', () => {
    expect(field({ file_path: `link/${'x'.repeat(4100)}` })).toEqual({});
  });

  it('keeps a path named __proto__ an ordinary key', () => {
    symlinkSync('/etc', path.join(project, '__proto__'));
    const body = field({ file_path: '__proto__' });
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({ resolvedPaths: Object.fromEntries([['__proto__', etc]]) }),
    );
  });

  it('reads the same input fields as the policy', () => {
    expect(PATH_FIELDS).toEqual([...POLICY_PATH_FIELDS]);
  });
});
