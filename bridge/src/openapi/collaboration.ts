// The agent-collaboration part of the API (elicitations, project state, flags)
// for the OpenAPI document. These handlers check their bodies themselves (the
// services refuse bad input with a code and, for schemas, a JSON pointer), so
// the schemas here describe rather than drive validation.
import { ELICITATION_STATUSES } from '../elicitation/state.js';

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const signed = [{ signedRequest: [] }];
const common = {
  '400': error('invalid request; error.code says why (invalid_request, invalid_path, invalid_schema, …)'),
  '401': error('authentication failed; error.code is the reason'),
  '503': error('the event store is unavailable'),
};
/** What every replica stores and keeps: spent from the agent's budgets, and refused when the view is full. */
const projectWrite = {
  '429': error(
    'rate limited: the agent spent its writes or writeBytes budget (rate_limited); see Retry-After',
  ),
  '507': error(
    "the project view would pass LIGHTHOUSE_PROJECT_MAX_BYTES of each replica's memory (project_full)",
  ),
};
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const at = {
  name: 'at',
  in: 'query',
  description: 'ISO-8601 time; absent = now',
  schema: { type: 'string', format: 'date-time' },
};

const elicitation = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    from: { type: 'string' },
    to: { type: 'string' },
    message: { type: 'string' },
    requestedSchema: { type: 'object' },
    status: { enum: [...ELICITATION_STATUSES] },
    content: { type: 'object' },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    resolvedAt: { type: 'string', format: 'date-time' },
    resolvedBy: { type: 'string' },
    result: {
      description: "MCP's elicitation/create result, once resolved",
      type: 'object',
      properties: { action: { enum: ['accept', 'decline', 'cancel'] }, content: { type: 'object' } },
    },
  },
};
const answer = (
  what: string,
  extra: Record<string, unknown> = {},
  responses: Record<string, unknown> = {},
) => ({
  post: {
    operationId: `${what}Elicitation`,
    security: signed,
    parameters: [id],
    ...extra,
    responses: {
      '200': { description: 'the elicitation after the transition', ...json(elicitation) },
      '403': error('only the target may accept/decline; only the requester may cancel'),
      '404': error('no such elicitation'),
      '409': error('no longer pending (error.details.state)'),
      ...responses,
      ...common,
    },
  },
});

export const collaborationPaths = {
  '/v1/elicitations': {
    post: {
      operationId: 'createElicitation',
      security: signed,
      parameters: [
        {
          name: 'wait',
          in: 'query',
          description:
            "seconds to wait for an outcome before answering (as MCP's elicitation/create does); 201 either way, pending if none came",
          schema: { type: 'number', minimum: 0, maximum: 300, default: 0 },
        },
      ],
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          required: ['to', 'message', 'requestedSchema'],
          properties: {
            to: { type: 'string' },
            message: { type: 'string', maxLength: 10000 },
            requestedSchema: {
              description:
                "MCP's restricted schema: type object; properties of type string (minLength, maxLength, format email|uri|date|date-time, enum, enumNames), number/integer (minimum, maximum), boolean; required. " +
                'At most 100 properties; names, titles and enum values up to 200 characters, descriptions and defaults up to 4000, 500 enum values, 64 KiB of JSON in all',
              type: 'object',
            },
            timeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 86400, default: 300 },
          },
        }),
      },
      responses: {
        '201': {
          description: 'created: pending, or its outcome if one came within `wait`',
          ...json(elicitation),
        },
        '403': error('feature flag "elicitation" is off for this agent (feature_disabled)'),
        '429': error(
          'rate limited (rate_limited; see Retry-After), or the requester or the target has too many pending elicitations (quota_exceeded)',
        ),
        ...common,
      },
    },
    get: {
      operationId: 'listElicitations',
      security: signed,
      parameters: [
        { name: 'role', in: 'query', schema: { enum: ['target', 'requester'], default: 'target' } },
        { name: 'status', in: 'query', schema: { enum: [...ELICITATION_STATUSES] } },
      ],
      responses: { '200': { description: '{elicitations: [...]}' }, ...common },
    },
  },
  '/v1/elicitations/stream': {
    get: {
      operationId: 'streamElicitations',
      security: signed,
      parameters: [{ name: 'role', in: 'query', schema: { enum: ['target', 'requester'] } }],
      responses: { '200': { description: 'text/event-stream of `elicitation` events' }, ...common },
    },
  },
  '/v1/elicitations/{id}': {
    get: {
      operationId: 'getElicitation',
      security: signed,
      parameters: [
        id,
        {
          name: 'wait',
          in: 'query',
          description: 'long poll: seconds to wait for an outcome',
          schema: { type: 'number', minimum: 0, maximum: 300 },
        },
      ],
      responses: {
        '200': { description: 'the elicitation', ...json(elicitation) },
        '404': error('no such elicitation, or not yours'),
        ...common,
      },
    },
  },
  // The answer is stored by every replica: it spends the answerer's writes and writeBytes.
  '/v1/elicitations/{id}/accept': answer(
    'accept',
    {
      requestBody: {
        required: true,
        ...json({ type: 'object', properties: { content: { type: 'object' } } }),
      },
    },
    { '429': projectWrite['429'] },
  ),
  '/v1/elicitations/{id}/decline': answer('decline'),
  '/v1/elicitations/{id}/cancel': answer('cancel'),
  '/v1/files': {
    post: {
      operationId: 'writeFile',
      security: signed,
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          required: ['path'],
          description:
            'exactly one of content, contentBase64, diff (unified, against the current content), deleted',
          properties: {
            path: { type: 'string', description: 'relative to the project root' },
            content: { type: 'string' },
            contentBase64: { type: 'string' },
            diff: { type: 'string' },
            deleted: { const: true },
            sessionId: { type: 'string' },
          },
        }),
      },
      responses: {
        '201': { description: '{path, version, at}' },
        '404': error('deleting a file that does not exist'),
        '409': error(
          'diff_does_not_apply: the diff does not apply to the current content; path_conflict: the path is a folder, or lies in a file',
        ),
        '413': error('file larger than LIGHTHOUSE_FILE_MAX_BYTES (default 8 MiB): file_too_large'),
        ...projectWrite,
        ...common,
      },
    },
  },
  '/v1/tree': {
    get: {
      operationId: 'tree',
      security: signed,
      parameters: [at],
      responses: {
        '200': { description: '{at, files: [{path, size, sha256, mtime}]} sorted by path' },
        ...common,
      },
    },
  },
  '/v1/files/{path}': {
    get: {
      operationId: 'readFile',
      security: signed,
      parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }, at],
      responses: {
        '200': {
          description: 'raw bytes; Last-Modified, ETag "<sha256>", X-Lighthouse-Version',
          content: { 'application/octet-stream': {} },
        },
        '404': error('absent at that time'),
        ...common,
      },
    },
  },
  '/v1/files/{path}/history': {
    get: {
      operationId: 'fileHistory',
      security: signed,
      parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: '{path, changes: [{version, at, kind, size, sha256, agentId, sessionId}]}' },
        '404': error('never existed'),
        ...common,
      },
    },
  },
  '/v1/history': {
    get: {
      operationId: 'historyPoints',
      security: signed,
      parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000 } }],
      responses: {
        '200': { description: '{points: [ISO times of recent changes, newest first]}' },
        ...common,
      },
    },
  },
  '/v1/annotations': {
    post: {
      operationId: 'annotate',
      security: signed,
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          required: ['path', 'text'],
          properties: {
            path: { type: 'string' },
            text: { type: 'string', maxLength: 10000 },
            severity: { enum: ['info', 'warning', 'error'] },
            line: { type: 'integer', minimum: 1 },
          },
        }),
      },
      responses: { '201': { description: 'the annotation' }, ...projectWrite, ...common },
    },
    get: {
      operationId: 'annotations',
      security: signed,
      parameters: [{ name: 'path', in: 'query', schema: { type: 'string' } }],
      responses: {
        '200': { description: '{annotations: [{id, path, text, severity, line, agentId, at}]}' },
        ...common,
      },
    },
  },
  '/v1/contexts': {
    post: {
      operationId: 'createContext',
      security: signed,
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          required: ['name', 'files'],
          properties: {
            name: { type: 'string', maxLength: 200 },
            files: { type: 'array', items: { type: 'string' }, maxItems: 1000 },
            note: { type: 'string', maxLength: 10000 },
          },
        }),
      },
      responses: { '201': { description: '{id, name, createdAt}' }, ...projectWrite, ...common },
    },
    get: {
      operationId: 'contexts',
      security: signed,
      responses: { '200': { description: '{contexts: [{id, name, createdAt}]}' }, ...common },
    },
  },
  '/v1/contexts/{id}': {
    get: {
      operationId: 'context',
      security: signed,
      parameters: [id],
      responses: {
        '200': { description: '{id, name, note, agentId, createdAt, files: [{path, size, sha256}]}' },
        '404': error('no such context'),
        ...common,
      },
    },
  },
  '/v1/flags': {
    get: {
      operationId: 'flags',
      security: signed,
      responses: {
        '200': { description: '{flags, killed, enabled (for the caller), source, loadedAt, error}' },
        ...common,
      },
    },
  },
  '/v1/admin/flags/{flag}/kill': {
    post: {
      operationId: 'killFlag',
      security: signed,
      parameters: [{ name: 'flag', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: {
        ...json({ type: 'object', properties: { reason: { type: 'string', maxLength: 1000 } } }),
      },
      responses: {
        '200': { description: 'off on every replica within a second' },
        '403': error('admin only'),
        ...common,
      },
    },
  },
  '/v1/admin/flags/{flag}/restore': {
    post: {
      operationId: 'restoreFlag',
      security: signed,
      parameters: [{ name: 'flag', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'kill switch released' }, '403': error('admin only'), ...common },
    },
  },
} as const;
