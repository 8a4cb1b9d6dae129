// Purely lexical path handling: policies must not depend on (or touch) the filesystem
// the agent will act on, so `..`, `.` and duplicate slashes are resolved by hand.
// Symlinks are the client's to resolve (bridge/src/hook/real-paths.ts); evaluate.ts
// judges a real path it sends beside the given one.

/** Canonical form of `raw` against `cwd`: absolute (`/a/b`), home-relative (`~/a`, `~user/a`) or, without a cwd, relative (`a/b`, `../a`). */
export function canonicalPath(raw: string, cwd?: string): string {
  let root: string;
  let rest: string;
  if (raw.startsWith('/')) {
    root = '/';
    rest = raw;
  } else if (raw === '~' || raw.startsWith('~/') || /^~[A-Za-z0-9._-]+(\/|$)/.test(raw)) {
    const slash = raw.indexOf('/');
    root = slash === -1 ? raw : raw.slice(0, slash);
    rest = slash === -1 ? '' : raw.slice(slash);
  } else if (cwd !== undefined && (cwd.startsWith('/') || cwd.startsWith('~'))) {
    return canonicalPath(`${cwd}/${raw}`);
  } else {
    root = '';
    rest = raw;
  }
  const out: string[] = [];
  for (const segment of rest.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (root === '') out.push('..'); // relative path climbing above its unknown start
      continue;
    }
    out.push(segment);
  }
  if (root === '/') return `/${out.join('/')}`;
  if (root === '') return out.length === 0 ? '.' : out.join('/');
  return out.length === 0 ? root : `${root}/${out.join('/')}`;
}

/** Whether `path` is `dir` or lies below it (both canonical). */
export function isWithin(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(`${dir}/`);
}

/** True when `raw` uses `..` and ends up outside `cwd`. */
export function escapesCwd(raw: string, cwd?: string): boolean {
  if (cwd === undefined || !raw.split('/').includes('..')) return false;
  const base = canonicalPath(cwd);
  return !isWithin(canonicalPath(raw, base), base);
}

/**
 * A shell glob in the last segment (`/*`, `dir/*`, `*`) stands for everything in its
 * directory; for "what does this destroy" the directory itself is the target.
 */
export function globTarget(path: string): string {
  const slash = path.lastIndexOf('/');
  const last = path.slice(slash + 1);
  if (last !== '*' && last !== '.*' && last !== '{*,.*}') return path;
  if (slash === -1) return '.';
  return slash === 0 ? '/' : path.slice(0, slash);
}

const compiled = new Map<string, RegExp>();

/**
 * Path globs: `**` any number of segments, `*` and `?` within one segment. `/x/**` also
 * matches `/x` itself; a leading `**\/` also matches at the start.
 */
export function pathGlob(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re !== undefined) return re;
  let body = '';
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('**/', i)) {
      body += '(?:.*/)?';
      i += 3;
    } else if (pattern.startsWith('/**', i) && i + 3 === pattern.length) {
      body += '(?:/.*)?';
      i += 3;
    } else if (pattern.startsWith('**', i)) {
      body += '.*';
      i += 2;
    } else {
      const c = pattern[i] as string;
      body += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  re = new RegExp(`^${body}$`);
  compiled.set(pattern, re);
  return re;
}

const unions = new WeakMap<readonly string[], RegExp>();

/** Whether `path` matches one of `patterns`; a list is compiled once into one expression. */
export function matchesAnyPath(path: string, patterns: readonly string[]): boolean {
  let re = unions.get(patterns);
  if (re === undefined) {
    re = new RegExp(patterns.map((p) => `(?:${pathGlob(p).source})`).join('|'));
    unions.set(patterns, re);
  }
  return re.test(path);
}

/** Results of expanding `{a,b}` lists, bounded: past the bound the word is kept as it is. */
const MAX_BRACE_RESULTS = 64;

/** Bash brace expansion of comma lists (`/{etc,usr}` → `/etc`, `/usr`), as a set; sequences are left alone. */
export function expandBraces(word: string): string[] {
  const match = /\{([^{}]*,[^{}]*)\}/.exec(word);
  if (match === null) return [word];
  const before = word.slice(0, match.index);
  const after = word.slice(match.index + match[0].length);
  const out = new Set<string>();
  for (const alternative of (match[1] as string).split(',')) {
    for (const expanded of expandBraces(`${before}${alternative}${after}`)) {
      out.add(expanded);
      if (out.size > MAX_BRACE_RESULTS) return [word];
    }
  }
  return [...out];
}

/**
 * Protected locations a glob in an argument may name: `rm -rf /e*c` or `> /dev/sd?` act
 * on them although the word itself is not their name.
 */
const GLOB_VICTIMS = [
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/opt',
  '/proc',
  '/root',
  '/sbin',
  '/srv',
  '/sys',
  '/usr',
  '/var',
  '/var/lib',
  '/etc/passwd',
  '/etc/shadow',
  '/etc/sudoers',
  '/etc/hosts',
  '/dev/sda',
  '/dev/sdb',
  '/dev/vda',
  '/dev/xvda',
  '/dev/nvme0n1',
  '/dev/mmcblk0',
  '/dev/tcp',
  '~',
  '~/.ssh',
  '~/.ssh/authorized_keys',
  '~/.ssh/id_rsa',
  '~/.ssh/id_ed25519',
  '~/.aws',
  '~/.bashrc',
  '~/.profile',
];

/** Protected locations a path containing glob characters may name. */
export function globVictims(path: string): string[] {
  if (!/[*?[]/.test(path)) return [];
  const re = shellGlob(path);
  return GLOB_VICTIMS.filter((victim) => re.test(victim));
}

/**
 * The paths an argument word acts on once bash has expanded it: each brace alternative,
 * canonical against cwd, a trailing `*` standing for its directory, plus the protected
 * locations its globs match.
 */
export function argumentTargets(word: string, cwd: string | undefined): string[] {
  const out = new Set<string>();
  for (const alternative of expandBraces(word)) {
    const target = globTarget(canonicalPath(alternative, cwd));
    out.add(target);
    for (const victim of globVictims(target)) out.add(victim);
  }
  return [...out];
}

/** A shell glob as an expression: `*` and `?` within a segment, `[…]` classes. */
function shellGlob(word: string): RegExp {
  let body = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i] as string;
    if (c === '*') body += '[^/]*';
    else if (c === '?') body += '[^/]';
    else if (c === '[') {
      const end = word.indexOf(']', i + 2);
      if (end === -1) body += '\\[';
      else {
        const cls = word
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        body += `[${cls}]`;
        i = end;
      }
    } else body += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${body}$`);
  } catch {
    return /^(?:)$/; // a malformed class matches nothing extra; the word itself is still checked
  }
}
