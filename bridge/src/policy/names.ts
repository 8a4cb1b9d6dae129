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

export function matchesAnyName(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => nameGlob(p).test(name));
}
