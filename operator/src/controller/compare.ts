// Whether a live object already holds every field of what we would apply.
// Server defaults add fields (ignored), canonicalise quantities ("0.5" → "500m"),
// so quantities compare by value, and drop empty strings and lists of omitempty
// fields (a toleration's `value: ""`, a selector's `values: []`), so those match an
// absent field. (Not `{}`: an empty struct such as `emptyDir: {}` is kept, and
// means something.) Together with the applied-hash annotation (which changes when
// we stop setting a field) this decides "no write needed".

// The forms the API accepts ("0.5", ".5", "1.", "1500e6"); the server writes them back canonically ("500m").
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const FACTORS: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function quantityValue(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  return m[3] !== undefined ? Number(`${m[1]}e${m[3]}`) : Number(m[1]) * FACTORS[m[2] ?? '']!;
}

function sameScalar(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  if (typeof desired === 'string' && typeof live === 'string') {
    const a = quantityValue(desired);
    const b = quantityValue(live);
    return a !== undefined && b !== undefined && Math.abs(a - b) <= Math.abs(a) * 1e-12;
  }
  // int-or-string fields may come back in the other form
  if (typeof desired === 'number' && typeof live === 'string') return String(desired) === live;
  return false;
}

const dropped = (v: unknown) => v === '' || (Array.isArray(v) && v.length === 0);

/** The first path where `live` lacks or differs from `desired`, or undefined when it contains it all. */
export function firstDifference(desired: unknown, live: unknown, path = ''): string | undefined {
  if (live === undefined && dropped(desired)) return undefined;
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return path || '.';
    for (let i = 0; i < desired.length; i++) {
      const d = firstDifference(desired[i], live[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (desired && typeof desired === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return path || '.';
    for (const [k, v] of Object.entries(desired)) {
      if (v === undefined) continue;
      const d = firstDifference(v, (live as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return sameScalar(desired, live) ? undefined : path || '.';
}
