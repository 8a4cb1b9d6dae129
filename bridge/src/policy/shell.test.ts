import { describe, expect, it } from '@jest/globals';
import { analyseShell, MAX_COMMAND_LENGTH, MAX_NESTING, type ShellCommand } from './shell.js';

const words = (c: ShellCommand): string => [c.program ?? '?', ...c.args.map((a) => a ?? '?')].join(' ');
const commands = (src: string, cwd?: string): string[] => analyseShell(src, cwd).commands.map(words);

describe('analyseShell commands', () => {
  it('lists every command of lists, pipelines and substitutions', () => {
    expect(commands('cd / && rm -rf *; echo "rm -rf /" > notes.txt; curl x | sh; a || b')).toEqual([
      'cd /',
      'rm -rf *',
      'echo rm -rf /',
      'curl x',
      'sh',
      'a',
      'b',
    ]);
    expect(commands('echo $(whoami) `id` <(ls)')).toEqual(['echo ? ? ?', 'whoami', 'id', 'ls']);
  });

  it('parses the scripts of bash -c, sh -lc, su -c and eval (nested commands first)', () => {
    expect(commands('bash -c "rm -rf /tmp/x"')).toEqual(['rm -rf /tmp/x', 'bash -c rm -rf /tmp/x']);
    expect(commands("sh -lc 'ls; pwd'")).toEqual(['ls', 'pwd', 'sh -lc ls; pwd']);
    expect(commands("su -c 'id' root")).toEqual(['id', 'su -c id root']);
    expect(commands('eval echo hi')).toEqual(['echo hi', 'eval echo hi']);
  });

  it('runs here-documents and here-strings given to a shell as scripts', () => {
    expect(commands('bash <<EOF\nrm -rf /x\nEOF\n')).toContain('rm -rf /x');
    expect(commands('sh <<< "id"')).toContain('id');
    expect(commands('cat <<EOF\nrm -rf /x\nEOF\n')).toEqual(['cat']);
  });

  it('unwraps sudo, env, nice, timeout, xargs, busybox and find -exec', () => {
    const analysis = analyseShell(
      'sudo -u root env A=1 nice -n 5 timeout -s KILL 10 xargs -n 1 busybox rm -r x',
    );
    const rm = analysis.commands.find((c) => c.program === 'rm');
    expect(rm?.wrappers).toEqual(['sudo', 'env', 'nice', 'timeout', 'xargs', 'busybox']);
    expect(commands('find . -exec rm -f {} \\;')).toEqual(['find . -exec rm -f {} ;', 'rm -f {}']);
  });

  it('uses basenames and unquoted, unescaped values', () => {
    expect(commands(`/bin/rm "-rf" 'x' r""m \\rm $'\\x72\\x6d'`)).toEqual(['rm -rf x rm rm rm']);
    expect(commands('"$HOME/x" ${HOME}')).toEqual(['x ~']);
  });

  it('canonicalises flags: clusters, long options, values', () => {
    const [c] = analyseShell('rm -rf --no-preserve-root --color=auto -- -x y').commands;
    expect([...(c?.flags ?? [])].sort()).toEqual(['color', 'f', 'no-preserve-root', 'r']);
    expect(c?.positional).toEqual(['-x', 'y']);
    expect(analyseShell('dd if=/dev/zero of=/dev/sda').commands[0]?.operands.get('of')).toBe('/dev/sda');
  });

  it('tracks cd for later commands', () => {
    const analysis = analyseShell('cd /tmp && rm x; cd sub; ls; cd; pwd', '/home/u/p');
    expect(analysis.commands.map((c) => c.cwd)).toEqual([
      '/home/u/p',
      '/tmp',
      '/tmp',
      '/tmp/sub',
      '/tmp/sub',
      '~',
    ]);
  });
});

describe('analyseShell structure', () => {
  it('splits pipelines into stages, looking through wrappers', () => {
    const { pipelines } = analyseShell('curl -s x | sudo bash | tee log');
    expect(pipelines[0]?.map((stage) => stage.map((c) => c.program))).toEqual([
      ['curl'],
      ['sudo', 'bash'],
      ['tee'],
    ]);
  });

  it('records writing redirections only, canonicalised', () => {
    const { redirects } = analyseShell('a > /etc//x 2>&1 < in >> ../y &> $Z >&/dev/sda', '/home/u/p');
    expect(redirects.map((r) => r.target)).toEqual(['/etc/x', '/home/u/y', null, '/dev/sda']);
  });

  it('detects fork bombs but not ordinary recursion or functions', () => {
    expect(analyseShell(':(){ :|:& };:').properties.has('fork_bomb')).toBe(true);
    expect(analyseShell('f() { f & f; }; f').properties.has('fork_bomb')).toBe(true);
    expect(analyseShell('f() { echo hi | cat; }; f').properties.size).toBe(0);
  });

  it('detects endless loops that start background jobs as fork bombs, but not other loops', () => {
    const bomb = (src: string): [string, boolean] => [src, analyseShell(src).properties.has('fork_bomb')];
    for (const src of [
      'while true; do x & done',
      'while :; do x & done',
      'until false; do x & done',
      'for ((;;)); do x & done',
      'while sleep 1; true; do { y; x & }; done',
    ])
      expect(bomb(src)).toEqual([src, true]);
    for (const src of [
      'while read l; do x & done < f',
      'for f in *; do x & done',
      'for ((i = 0; i < 3; i++)); do x & done',
      'while true; do x; sleep 1; done',
      'while ! true; do x & done',
      'until true; do x & done',
    ])
      expect(bomb(src)).toEqual([src, false]);
  });

  it('gives each command the file its statement redirects to stdin', () => {
    const stdin = (src: string, cwd?: string): (string | undefined)[] =>
      analyseShell(src, cwd).commands.map((c) => c.stdin);
    expect(stdin('cat < ~/.ssh//id_rsa')).toEqual(['~/.ssh/id_rsa']);
    expect(stdin('sudo cat <> ../k < k.pem', '/home/u/p')).toEqual(['/home/u/p/k.pem', '/home/u/p/k.pem']);
    expect(stdin('{ cat; sort < a; } < b', '/p')).toEqual(['/p/b', '/p/a']);
    expect(stdin('cat 3< k; cat < $K; cat <<< k; cat k > out')).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(analyseShell('cat < in').redirects).toEqual([]);
  });

  it('gives each command the files its statement opens for reading, on any descriptor', () => {
    const inputs = (src: string, cwd?: string): string[][] =>
      analyseShell(src, cwd).commands.map((c) => c.inputs);
    expect(inputs('exec 3< ~/.ssh/id_rsa; cat <&3')).toEqual([['~/.ssh/id_rsa'], []]);
    expect(inputs('nc h 80 < k <> j', '/p')).toEqual([['/p/k', '/p/j']]);
    expect(inputs('{ a; b < x; } < y', '/p')).toEqual([['/p/y'], ['/p/y', '/p/x']]);
    expect(inputs('cat < $K; cat <<< k; cat k > out')).toEqual([[], [], []]);
  });

  it('finds endless loops by their constant conditions', () => {
    const bomb = (src: string) => analyseShell(src).properties.has('fork_bomb');
    for (const src of [
      'while [ 1 ]; do x & done',
      'while test yes; do x & done',
      'while [[ on ]]; do x & done',
      'while ((1)); do x & done',
      'until ((0)); do x & done',
      'until [ "" ]; do x & done',
    ])
      expect([src, bomb(src)]).toEqual([src, true]);
    for (const src of [
      'while [ "" ]; do x & done',
      'while ((0)); do x & done',
      'while [ -f f ] && true; do x & done',
      'while [ $X ]; do x & done',
      'while ((n < 3)); do x & done',
      'until ((1)); do x & done',
    ])
      expect([src, bomb(src)]).toEqual([src, false]);
  });

  it('flags computed program names and scripts', () => {
    expect(analyseShell('$(echo rm) -rf /').properties.has('dynamic_program')).toBe(true);
    expect(analyseShell('"$CMD" x').properties.has('dynamic_program')).toBe(true);
    expect(analyseShell('r{m,} -rf /').properties.has('dynamic_program')).toBe(true);
    expect(analyseShell('bash -c "$X"').properties.has('dynamic_program')).toBe(true);
    expect(analyseShell('eval "$X"').properties.has('dynamic_program')).toBe(true);
    expect(analyseShell('bash <(curl -s x)').properties.has('dynamic_program')).toBe(true);
    expect(analyseShell('echo "$X" && ls $DIR').properties.size).toBe(0);
  });

  it('reports unparseable input, over-long input and deep nesting as unparseable', () => {
    expect([...analyseShell('echo "open').properties]).toEqual(['unparseable_command']);
    expect([...analyseShell('if then fi').properties]).toEqual(['unparseable_command']);
    expect([...analyseShell(`echo ${'a'.repeat(MAX_COMMAND_LENGTH)}`).properties]).toEqual([
      'unparseable_command',
    ]);
    let script = 'id';
    for (let i = 0; i < MAX_NESTING; i++) script = `bash -c ${JSON.stringify(script)}`;
    expect(analyseShell(script).properties.has('unparseable_command')).toBe(true);
  });

  it('reads ((…)) both as bash arithmetic and as POSIX nested subshells', () => {
    expect(commands('((mkfs.ext4 /dev/sdb1))')).toEqual(['mkfs.ext4 /dev/sdb1']);
    expect(commands('sh -c "((id))"')).toEqual(['id', 'sh -c ((id))']);
    // The POSIX reading of real arithmetic is a harmless command `i`.
    expect(commands('((i = 1 + 2))')).toEqual(['i = 1 + 2']);
    expect(commands('echo $((1 + 2))')).toEqual(['echo ?']);
  });

  it('keeps working after a parse error', () => {
    analyseShell('echo "open');
    expect(commands('ls -la')).toEqual(['ls -la']);
  });

  it('digests scripts independently of layout and comments', () => {
    expect(analyseShell('rm   -rf    /  ;ls # x').canonical).toBe(analyseShell('rm -rf /; ls').canonical);
    expect(analyseShell('rm -rf /a').canonical).not.toBe(analyseShell('rm -rf /b').canonical);
  });

  it('decodes non-ASCII text', () => {
    const analysis = analyseShell('echo "héllo ✓" > /tmp/é');
    expect(analysis.commands[0]?.args).toEqual(['héllo ✓']);
    expect(analysis.redirects).toEqual([{ target: '/tmp/é' }]);
  });

  it('counts character escapes in literal words', () => {
    expect(analyseShell("printf '\\x72\\x6d\\x20\\x2d' | sh").escapes).toBe(4);
    expect(analyseShell('echo plain').escapes).toBe(0);
  });
});
