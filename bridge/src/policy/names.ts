// Globs on names (tools, programs): `*` any run of characters, `|` alternatives.
const compiled = new Map<string, RegExp>();

export function nameGlob(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    const alternatives = pattern
      .split('|')
      .map((alt) => alt.replace(/[.+^${}()[\]\\?]/g, '\\$&').replace(/\*/g, '.*'));
    re = new RegExp(`^(?:${alternatives.join('|')})$`);
    compiled.set(pattern, re);
  }
  return re;
}

const unions = new WeakMap<readonly string[], RegExp>();

/** Whether `name` matches one of `patterns`; a list is compiled once into one expression. */
export function matchesAnyName(name: string, patterns: readonly string[]): boolean {
  let re = unions.get(patterns);
  if (re === undefined) {
    re = new RegExp(patterns.map((p) => `(?:${nameGlob(p).source})`).join('|'));
    unions.set(patterns, re);
  }
  return re.test(name);
}
