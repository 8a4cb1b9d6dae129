// Applies a unified diff (as `diff -u` / `git diff` print it) to a text.
// Hunks must match exactly at their stated line, or, failing that, at one
// unambiguous place elsewhere; otherwise the diff does not apply.
export class DiffError extends Error {
  constructor(
    readonly code: 'invalid_diff' | 'diff_does_not_apply',
    message: string,
  ) {
    super(message);
    this.name = 'DiffError';
  }
}

interface Hunk {
  oldStart: number;
  oldLines: string[];
  newLines: string[];
  oldNoNewline: boolean;
  newNoNewline: boolean;
}

const HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function parse(diff: string): Hunk[] {
  const lines = diff.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const hunks: Hunk[] = [];
  let hunk: Hunk | undefined;
  let last: ' ' | '-' | '+' | undefined;
  for (const line of lines) {
    const m = HEADER.exec(line);
    if (m) {
      hunk = { oldStart: Number(m[1]), oldLines: [], newLines: [], oldNoNewline: false, newNoNewline: false };
      hunks.push(hunk);
      continue;
    }
    if (!hunk) {
      if (/^(---|\+\+\+|diff |index |new file|deleted file|similarity|rename|old mode|new mode)/.test(line))
        continue;
      throw new DiffError('invalid_diff', `unexpected line before the first hunk: ${line.slice(0, 80)}`);
    }
    const tag = line[0];
    const text = line.slice(1);
    if (tag === '\\') {
      if (last !== '+') hunk.oldNoNewline = true;
      if (last !== '-') hunk.newNoNewline = true;
      continue;
    }
    if (tag === ' ' || line === '') {
      hunk.oldLines.push(text);
      hunk.newLines.push(text);
      last = ' ';
    } else if (tag === '-') {
      hunk.oldLines.push(text);
      last = '-';
    } else if (tag === '+') {
      hunk.newLines.push(text);
      last = '+';
    } else {
      throw new DiffError('invalid_diff', `bad line in hunk: ${line.slice(0, 80)}`);
    }
  }
  if (hunks.length === 0) throw new DiffError('invalid_diff', 'the diff has no hunks');
  return hunks;
}

/**
 * Line comparisons one diff may spend looking for hunks away from their stated
 * line: a hunk of many equal lines against a file of them would otherwise cost
 * lines × hunk length and hold the event loop for minutes.
 */
export const SEARCH_BUDGET = 10_000_000;

/** Whether `expected` is at `at`; each line compared is taken from `budget`. */
function matchesAt(lines: string[], at: number, expected: string[], budget: { left: number }): boolean {
  if (at < 0 || at + expected.length > lines.length) return false;
  for (let i = 0; i < expected.length; i++) {
    if (--budget.left < 0)
      throw new DiffError(
        'diff_does_not_apply',
        'the diff does not apply: searching for its hunks took too long',
      );
    if (lines[at + i] !== expected[i]) return false;
  }
  return true;
}

export function applyUnifiedDiff(original: string, diff: string): string {
  const hunks = parse(diff);
  const endsWithNewline = original === '' || original.endsWith('\n');
  let lines = original === '' ? [] : original.replace(/\n$/, '').split('\n');
  const budget = { left: SEARCH_BUDGET };
  let offset = 0;
  let finalNewline = endsWithNewline;
  for (const hunk of hunks) {
    const stated = Math.max(0, hunk.oldStart - 1) + offset;
    let at = stated;
    if (!matchesAt(lines, at, hunk.oldLines, budget)) {
      const found: number[] = [];
      for (let i = 0; i + hunk.oldLines.length <= lines.length; i++) {
        if (matchesAt(lines, i, hunk.oldLines, budget)) found.push(i);
      }
      if (found.length !== 1) {
        throw new DiffError(
          'diff_does_not_apply',
          `hunk at line ${hunk.oldStart} does not match the current content`,
        );
      }
      at = found[0]!;
    }
    // Not splice(...newLines): spreading a hunk of 100,000s of lines as arguments overflows the stack.
    lines = lines.slice(0, at).concat(hunk.newLines, lines.slice(at + hunk.oldLines.length));
    offset += at - stated + hunk.newLines.length - hunk.oldLines.length;
    if (at + hunk.newLines.length === lines.length) finalNewline = !hunk.newNoNewline;
  }
  if (lines.length === 0) return '';
  return lines.join('\n') + (finalNewline ? '\n' : '');
}
