import { describe, expect, it } from '@jest/globals';
import { applyUnifiedDiff, DiffError } from './diff.js';

const base = 'one\ntwo\nthree\nfour\nfive\n';

describe('applyUnifiedDiff', () => {
  it('applies a git-style diff', () => {
    const diff = [
      'diff --git a/f b/f',
      '--- a/f',
      '+++ b/f',
      '@@ -1,3 +1,3 @@',
      ' one',
      '-two',
      '+TWO',
      ' three',
      '@@ -5 +5,2 @@',
      ' five',
      '+six',
      '',
    ].join('\n');
    expect(applyUnifiedDiff(base, diff)).toBe('one\nTWO\nthree\nfour\nfive\nsix\n');
  });

  it('creates content from an empty file', () => {
    expect(applyUnifiedDiff('', '@@ -0,0 +1,2 @@\n+a\n+b\n')).toBe('a\nb\n');
  });

  it('honours "No newline at end of file"', () => {
    const diff = '@@ -5 +5 @@\n-five\n+FIVE\n\\ No newline at end of file\n';
    expect(applyUnifiedDiff(base, diff)).toBe('one\ntwo\nthree\nfour\nFIVE');
  });

  it('finds a hunk whose line number drifted when the context is unambiguous', () => {
    expect(applyUnifiedDiff(base, '@@ -1,2 +1,2 @@\n three\n-four\n+4\n')).toBe('one\ntwo\nthree\n4\nfive\n');
  });

  it.each([
    ['not a diff at all', 'invalid_diff'],
    ['--- a\n+++ b\n', 'invalid_diff'],
    ['@@ -1 +1 @@\n*bad\n', 'invalid_diff'],
    ['@@ -1 +1 @@\n-nope\n+x\n', 'diff_does_not_apply'],
  ])('refuses %j (%s)', (diff, code) => {
    expect(() => applyUnifiedDiff(base, diff)).toThrow(DiffError);
    try {
      applyUnifiedDiff(base, diff);
    } catch (e) {
      expect((e as DiffError).code).toBe(code);
    }
  });
  it('gives up on a hunk it cannot place within its search budget, instead of holding the event loop', () => {
    const file = '\n'.repeat(200_000); // 200,000 empty lines
    // A hunk of 60 equal context lines and a line that is nowhere: every position is tried.
    const diff = `@@ -1,61 +1,60 @@\n${' \n'.repeat(60)}-missing\n`;
    expect(() => applyUnifiedDiff(file, diff)).toThrow(/took too long/);
  });

  it('applies a hunk of hundreds of thousands of lines', () => {
    const added = Array.from({ length: 300_000 }, (_, i) => `+line ${i}`).join('\n');
    const out = applyUnifiedDiff('head\n', `@@ -1 +1,300001 @@\n head\n${added}\n`);
    expect(out.split('\n')).toHaveLength(300_002);
  });
});
