// Least-squares slope of y over x: the soak test's growth rate (e.g. MiB per minute).
export function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) throw new Error(`a trend needs at least 2 samples, got ${n}`);
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  if (den === 0) throw new Error('a trend needs samples at different times');
  return num / den;
}
