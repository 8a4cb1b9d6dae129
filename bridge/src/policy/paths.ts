// Purely lexical path handling: policies must not depend on (or touch) the filesystem
// the agent will act on, so `..`, `.` and duplicate slashes are resolved by hand.

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
