// flags.yaml: a mapping of flag name → {mode, percentage?, agents?}, the same
// shape as the LighthouseBridge resource's `featureFlags`. Parsed strictly:
// a mistake names the flag and field instead of silently turning a flag off.
import { parse } from 'yaml';
import type { FlagSpec } from './evaluate.js';

export class FlagsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagsConfigError';
  }
}

const MODES = ['off', 'on', 'percentage', 'agents'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function parseFlags(text: string): Record<string, FlagSpec> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new FlagsConfigError(`flags.yaml is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new FlagsConfigError('flags.yaml must be a mapping of flag name to {mode, percentage, agents}');
  }
  const flags: Record<string, FlagSpec> = {};
  for (const [name, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (!NAME.test(name)) throw new FlagsConfigError(`flag "${name}": invalid name`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new FlagsConfigError(`flag "${name}": expected a mapping with "mode"`);
    }
    const spec = raw as Record<string, unknown>;
    for (const key of Object.keys(spec)) {
      if (!['mode', 'percentage', 'agents'].includes(key)) {
        throw new FlagsConfigError(`flag "${name}": unknown field "${key}"`);
      }
    }
    if (!MODES.includes(spec.mode as string)) {
      throw new FlagsConfigError(`flag "${name}": mode must be one of ${MODES.join(', ')}`);
    }
    const mode = spec.mode as FlagSpec['mode'];
    const out: FlagSpec = { mode };
    if (mode === 'percentage') {
      const p = spec.percentage;
      if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
        throw new FlagsConfigError(`flag "${name}": percentage must be a number from 0 to 100`);
      }
      out.percentage = p;
    }
    if (mode === 'agents') {
      const a = spec.agents;
      if (!Array.isArray(a) || !a.every((x) => typeof x === 'string')) {
        throw new FlagsConfigError(`flag "${name}": agents must be a list of agent ids`);
      }
      out.agents = a;
    }
    flags[name] = out;
  }
  return flags;
}
