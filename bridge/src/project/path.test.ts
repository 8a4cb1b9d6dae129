import { describe, expect, it } from '@jest/globals';
import { fileStream, InvalidPathError, normalisePath } from './path.js';

describe('normalisePath', () => {
  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['./src//a.ts', 'src/a.ts'],
    ['src/lib/../a.ts', 'src/a.ts'],
    ['src/a.ts/', 'src/a.ts'],
    ['Cafe\u0301.md', 'Café.md'],
    ['dir with space/ä.txt', 'dir with space/ä.txt'],
  ])('%j → %j', (input, out) => {
    expect(normalisePath(input)).toBe(out);
  });

  it.each([
    ['../etc/passwd', 'escapes'],
    ['src/../../x', 'escapes'],
    ['/etc/passwd', 'absolute'],
    ['C:\\x', 'absolute'],
    ['a\0b', 'NUL'],
    ['', 'root'],
    ['.', 'root'],
    ['a/..', 'root'],
    ['x'.repeat(256), 'longer than 255'],
    [Array.from({ length: 20 }, () => 'y'.repeat(250)).join('/'), 'longer than 4096'],
    [42, 'string'],
  ])('refuses %j (%s)', (input, reason) => {
    expect(() => normalisePath(input)).toThrow(InvalidPathError);
    expect(() => normalisePath(input)).toThrow(reason);
  });

  it('accepts a name of exactly 255 bytes', () => {
    expect(normalisePath('z'.repeat(255))).toHaveLength(255);
  });
});

describe('fileStream', () => {
  it('uses the path when the stream alphabet allows it, a digest otherwise', () => {
    expect(fileStream('src/a.ts')).toBe('file:src/a.ts');
    expect(fileStream('a b.txt')).toMatch(/^file-sha256:[0-9a-f]{64}$/);
    expect(fileStream('a b.txt')).not.toBe(fileStream('a c.txt'));
    expect(fileStream('d/'.repeat(100) + 'x')).toMatch(/^file-sha256:/);
  });
});
