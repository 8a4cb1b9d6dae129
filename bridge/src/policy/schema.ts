// JSON Schema of the policy document (policy.yaml). The single description of what a
// policy may contain; parsePolicy validates every document against it.
const stringList = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 };

const commandMatch = {
  type: 'object',
  additionalProperties: false,
  required: ['program'],
  properties: {
    program: stringList,
    subcommand: stringList,
    flags: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { all: stringList, any: stringList, none: stringList },
    },
    args: {
      type: 'object',
      additionalProperties: false,
      required: ['paths'],
      properties: {
        paths: stringList,
        position: { enum: ['any', 'first', 'last'] },
        stdin: { type: 'boolean' },
      },
    },
    inputs: stringList,
    operands: { type: 'object', minProperties: 1, additionalProperties: stringList },
    options: { type: 'object', minProperties: 1, additionalProperties: stringList },
    scope: { enum: ['any', 'all'] },
    readsStdin: { type: 'boolean' },
  },
};

export const policySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    version: { const: 1 },
    /** Free-form values for YAML anchors (`&system`) that rules reuse through aliases. */
    definitions: { type: 'object' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'action', 'match'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 100 },
          description: { type: 'string' },
          priority: { type: 'integer', minimum: -1000000, maximum: 1000000, default: 0 },
          action: { enum: ['allow', 'block', 'escalate'] },
          enforcement: { enum: ['enforce', 'warn', 'dryrun'], default: 'enforce' },
          category: { type: 'string', minLength: 1, default: 'general' },
          match: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              tool: { type: 'string', minLength: 1 },
              command: commandMatch,
              pipeline: {
                type: 'object',
                additionalProperties: false,
                required: ['from', 'to'],
                properties: { from: commandMatch, to: commandMatch },
              },
              redirect: stringList,
              shell: {
                type: 'array',
                minItems: 1,
                items: { enum: ['unparseable_command', 'dynamic_program', 'fork_bomb'] },
              },
              path: {
                type: 'object',
                additionalProperties: false,
                minProperties: 1,
                properties: { patterns: stringList, escapesCwd: { type: 'boolean' } },
              },
            },
          },
        },
      },
    },
  },
} as const;
