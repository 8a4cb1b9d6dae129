import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_POLICY_YAML, defaultPolicy } from './default-policy.js';
import { parsePolicy, PolicyError } from './parse.js';

const here = fileURLToPath(new URL('.', import.meta.url));

const rule = (extra: string): string =>
  `rules:\n  - id: r1\n    action: block\n    match: { tool: Bash }\n${extra}`;

function errorOf(yaml: string): PolicyError {
  try {
    parsePolicy(yaml);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('parsePolicy accepted the document');
}

describe('parsePolicy', () => {
  it('applies defaults and keeps document order', () => {
    const policy = parsePolicy(
      rule('  - id: r2\n    action: allow\n    priority: 5\n    match: { tool: Read }\n'),
    );
    expect(policy.rules).toEqual([
      {
        id: 'r1',
        description: 'r1',
        priority: 0,
        action: 'block',
        enforcement: 'enforce',
        category: 'general',
        match: { tool: 'Bash' },
      },
      {
        id: 'r2',
        description: 'r2',
        priority: 5,
        action: 'allow',
        enforcement: 'enforce',
        category: 'general',
        match: { tool: 'Read' },
      },
    ]);
    expect(policy.revision).toMatch(/^[0-9a-f]{12}$/);
  });

  it('gives equal rules the same revision regardless of layout and key order', () => {
    const a = parsePolicy('rules:\n  - id: x\n    action: allow\n    match: { tool: Read }\n');
    const b = parsePolicy(
      '# comment\nrules: [{match: {tool: Read}, action: allow, id: x, enforcement: enforce}]',
    );
    const c = parsePolicy('rules:\n  - id: x\n    action: block\n    match: { tool: Read }\n');
    expect(a.revision).toBe(b.revision);
    expect(a.revision).not.toBe(c.revision);
  });

  it('splices aliased lists so definitions compose', () => {
    const policy = parsePolicy(
      'definitions:\n  sys: &sys [/etc/**, /usr/**]\nrules:\n  - id: w\n    action: block\n    match: { path: { patterns: [*sys, /boot/**] } }\n',
    );
    expect(policy.rules[0]?.match.path?.patterns).toEqual(['/etc/**', '/usr/**', '/boot/**']);
  });

  it.each([
    ['bad YAML', 'rules: [\n  - id: x', '', /invalid YAML at line/],
    ['not a mapping', '- a\n- b', '', /must be object/],
    ['empty document', '', '', /must be object/],
    ['no rules', 'version: 1', 'rules', /must have required property/],
    ['unknown top-level field', 'rules: []\nextra: 1', 'extra', /unknown field/],
    [
      'unknown action',
      rule('  - id: r2\n    action: deny\n    match: { tool: Bash }\n'),
      'rules[1].action',
      /allow, block, escalate.*"r2"/,
    ],
    ['missing id', rule('  - action: block\n    match: { tool: Bash }\n'), 'rules[1].id', /required/],
    [
      'bad id',
      rule('  - id: "Bad Id"\n    action: block\n    match: { tool: Bash }\n'),
      'rules[1].id',
      /pattern/,
    ],
    ['missing match', rule('  - id: r2\n    action: block\n'), 'rules[1].match', /required/],
    ['empty match', rule('  - id: r2\n    action: block\n    match: {}\n'), 'rules[1].match', /fewer than 1/],
    [
      'unknown enforcement',
      rule('  - id: r2\n    action: block\n    enforcement: audit\n    match: { tool: Bash }\n'),
      'rules[1].enforcement',
      /enforce, warn, dryrun/,
    ],
    [
      'non-integer priority',
      rule('  - id: r2\n    action: block\n    priority: high\n    match: { tool: Bash }\n'),
      'rules[1].priority',
      /integer/,
    ],
    [
      'unknown match field',
      rule('  - id: r2\n    action: block\n    match: { commnd: { program: [rm] } }\n'),
      'rules[1].match.commnd',
      /unknown field/,
    ],
    [
      'command without program',
      rule('  - id: r2\n    action: block\n    match: { command: { flags: { all: [r] } } }\n'),
      'rules[1].match.command.program',
      /required/,
    ],
    [
      'unknown shell property',
      rule('  - id: r2\n    action: block\n    match: { shell: [evil] }\n'),
      'rules[1].match.shell[0]',
      /unparseable_command/,
    ],
    [
      'duplicate ids',
      rule('  - id: r1\n    action: allow\n    match: { tool: Read }\n'),
      'rules[1].id',
      /duplicate id "r1" \(first used by rules\[0\]\)/,
    ],
  ])('%s → PolicyError at "%s"', (_name, yaml, path, message) => {
    const error = errorOf(yaml);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('refuses documents over 1 MiB', () => {
    expect(errorOf(`# ${'x'.repeat(1024 * 1024)}\nrules: []`).message).toMatch(/larger than/);
  });
});

describe('defaultPolicy', () => {
  it('is the shipped default-policy.yaml, embedded byte for byte', () => {
    expect(DEFAULT_POLICY_YAML).toBe(readFileSync(`${here}/default-policy.yaml`, 'utf8'));
  });

  it('parses, with unique ids and every action and category used', () => {
    const policy = defaultPolicy();
    expect(policy.rules.length).toBeGreaterThan(30);
    expect(new Set(policy.rules.map((r) => r.action))).toEqual(new Set(['allow', 'block', 'escalate']));
    expect(policy.revision).toBe(parsePolicy(DEFAULT_POLICY_YAML).revision);
  });
});
