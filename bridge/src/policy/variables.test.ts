import { describe, expect, it } from '@jest/globals';
import { analyseShell, type ShellCommand } from './shell.js';

const words = (c: ShellCommand): string => [c.program ?? '?', ...c.args.map((a) => a ?? '?')].join(' ');
const resolved = (src: string): string[] => analyseShell(src).resolved.map(words);

describe('script variables', () => {
  it.each([
    ['X=/a; rm -r $X', ['rm -r /a']],
    ['X=/a && rm -r "$X" ${X}/b', ['rm -r /a /a/b']],
    ['X=\'/a b\'; ls "$X" $X', ['ls /a b ?']], // unquoted, `/a b` splits into two words
    ['export D=/etc; rm -r $D/', ['rm -r /etc/']],
    ['P=rm F=-r; sudo $P $F /a', ['sudo rm -r /a', 'rm -r /a']],
    ['X=/a; { rm $X; }; (rm $X); rm $X & echo $(rm $X)', ['rm /a', 'rm /a', 'rm /a', 'rm /a']],
    ['X=/a; if [[ -d $X ]]; then rm $X; fi', ['rm /a']],
    ['X=/a; while true; do rm $X; sleep 1; done', ['rm /a']],
    ['X=/a; cd /; x=1 rm $X', ['rm /a']],
    ['X=/a; X=/b; rm $X', ['rm /b']],
    ['f() { X=/a; rm $X; }', ['rm /a']],
  ])('resolves %s', (src, expected) => {
    expect(resolved(src)).toEqual(expected);
  });

  it('keeps the commands as written', () => {
    expect(analyseShell('X=/a; rm $X').commands.map(words)).toEqual(['rm ?']);
  });

  it.each([
    // Assignments that may not run, or run in a subshell, a branch or a loop.
    'if c; then X=/a; fi; rm $X',
    'false || X=/a; rm $X',
    'true && X=/a; rm $X',
    '(X=/a); rm $X',
    'X=/a | cat; rm $X',
    'X=/a & rm $X',
    'for i in 1; do X=/a; done; rm $X',
    'while true; do rm $X; X=/a; done',
    // Not a plain literal assignment, or one for the command only.
    'X=/a rm $X',
    'X=/a; X=$(pwd); rm $X',
    'X=/a; X+=b; rm $X',
    'X=/a; Y=$X; rm $Y',
    'RANDOM=/a; rm $RANDOM',
    // Commands that may change variables.
    'X=/a; read X; rm $X',
    'X=/a; command read X; rm $X',
    'X=/a; unset X; rm $X',
    'f() { X=/b; }; X=/a; f; rm $X',
    'X=/a; $CMD; rm $X',
    'X=/a; echo $((X = 1)); rm $X',
    'X=/a; : ${X:=b}; rm $X',
    'X=/a; [[ X -eq 1 ]]; rm $X',
    'X=/a; for X in b; do :; done; rm $X',
    'X=/a; export X; rm $X',
    // Scripts whose expansions or later assignments may mean something else.
    'IFS=/; X=/a; rm $X',
    'declare -u X; X=/a; rm $X',
    // Expansions that are not the plain value, or never assigned.
    'X=/a; rm ${X%a} ${#X} ${X:-b}',
    'X=; rm $X',
    "X=/a; bash -c 'rm $X'",
    'rm $HOME $X',
  ])('leaves %s unresolved', (src) => {
    expect(resolved(src)).toEqual([]);
  });
});
