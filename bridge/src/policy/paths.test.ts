import { describe, expect, it } from '@jest/globals';
import {
  argumentTargets,
  canonicalPath,
  escapesCwd,
  expandBraces,
  globTarget,
  globVictims,
  matchesAnyPath,
} from './paths.js';

describe('canonicalPath', () => {
  it.each([
    ['/etc//passwd', undefined, '/etc/passwd'],
    ['/etc/./nginx/../passwd', undefined, '/etc/passwd'],
    ['/../../etc', undefined, '/etc'],
    ['/', undefined, '/'],
    ['//', undefined, '/'],
    ['src/a.ts', '/home/u/p', '/home/u/p/src/a.ts'],
    ['./src/../b.ts', '/home/u/p/', '/home/u/p/b.ts'],
    ['../../etc/shadow', '/home/u/p', '/home/etc/shadow'],
    ['../../../../../etc', '/home/u/p', '/etc'],
    ['~', undefined, '~'],
    ['~/', '/home/u/p', '~'],
    ['~/.ssh/../.ssh/id_rsa', undefined, '~/.ssh/id_rsa'],
    ['~bob/x', undefined, '~bob/x'],
    ['a/b', '~/p', '~/p/a/b'],
    ['a/../../b', undefined, '../b'],
    ['.', undefined, '.'],
    ['src', 'relative/cwd', 'src'],
  ])('%s against %s is %s', (raw, cwd, expected) => {
    expect(canonicalPath(raw, cwd)).toBe(expected);
  });
});

describe('escapesCwd', () => {
  it('flags .. that leaves the working directory', () => {
    expect(escapesCwd('../x', '/home/u/p')).toBe(true);
    expect(escapesCwd('a/../../x', '/home/u/p')).toBe(true);
  });
  it('does not flag .. that stays inside, absolute paths, or an unknown cwd', () => {
    expect(escapesCwd('a/../b', '/home/u/p')).toBe(false);
    expect(escapesCwd('/etc/passwd', '/home/u/p')).toBe(false);
    expect(escapesCwd('../x', undefined)).toBe(false);
  });
  it('flags an absolute path that climbs out through ..', () => {
    expect(escapesCwd('/home/u/p/../q', '/home/u/p')).toBe(true);
  });
});

describe('globTarget', () => {
  it.each([
    ['/*', '/'],
    ['/etc/*', '/etc'],
    ['~/*', '~'],
    ['*', '.'],
    ['/home/u/.*', '/home/u'],
    ['/etc/passwd', '/etc/passwd'],
  ])('%s targets %s', (path, target) => {
    expect(globTarget(path)).toBe(target);
  });
});

describe('path globs', () => {
  it.each([
    ['/etc', ['/etc/**'], true],
    ['/etc/ssh/sshd_config', ['/etc/**'], true],
    ['/etcetera', ['/etc/**'], false],
    ['/lib64/x.so', ['/lib*/**'], true],
    ['/library', ['/lib*/**'], true],
    ['/home/u/p/.git/HEAD', ['**/.git/**'], true],
    ['.git/hooks/pre-commit', ['**/.git/**'], true],
    ['/home/u/p/.gitignore', ['**/.git/**'], false],
    ['/home/u/p/.env', ['**/.env'], true],
    ['/home/u/p/.env.local', ['**/.env.*'], true],
    ['/home/u/p/env.ts', ['**/.env'], false],
    ['/dev/sda1', ['/dev/sd*'], true],
    ['/dev/null', ['/dev/sd*'], false],
    ['/home/u', ['/home/*'], true],
    ['/home/u/p', ['/home/*'], false],
  ])('%s against %j → %s', (path, patterns, expected) => {
    expect(matchesAnyPath(path, patterns)).toBe(expected);
  });
});

describe('expansion of argument words', () => {
  it('expands comma brace lists, nested, bounded', () => {
    expect(expandBraces('/{etc,usr}/x')).toEqual(['/etc/x', '/usr/x']);
    expect(expandBraces('a{b,c{d,e}}')).toEqual(['ab', 'acd', 'ace']);
    expect(expandBraces('{1..3}')).toEqual(['{1..3}']);
    expect(expandBraces('{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}')).toEqual([
      '{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}',
    ]);
  });

  it('finds the protected locations a glob names', () => {
    expect(globVictims('/e*c')).toEqual(['/etc']);
    expect(globVictims('/???')).toEqual(expect.arrayContaining(['/bin', '/dev', '/etc', '/usr']));
    expect(globVictims('/dev/sd[a-z]')).toEqual(['/dev/sda', '/dev/sdb']);
    expect(globVictims('~/.ss*/authorized_keys')).toEqual(['~/.ssh/authorized_keys']);
    expect(globVictims('/home/u/p/*.log')).toEqual([]);
    expect(globVictims('/etc')).toEqual([]);
  });

  it('gives the targets of an argument word', () => {
    expect(argumentTargets('{/etc,/usr}', '/home/u/p')).toEqual(['/etc', '/usr']);
    expect(argumentTargets('build/{a,b}', '/home/u/p')).toEqual(['/home/u/p/build/a', '/home/u/p/build/b']);
    expect(argumentTargets('/*', undefined)).toEqual(['/']);
    expect(argumentTargets('/b??t', undefined)).toEqual(['/b??t', '/boot']);
  });
});
