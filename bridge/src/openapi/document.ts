// The bridge API as one OpenAPI 3.1 document: served at /v1/openapi.json and
// the source of every request-body schema the server validates (see
// request-validator.ts), so the description and the behaviour cannot drift.
import { CAPABILITY_PATTERN } from '../experts/registry.js';
import { collaborationPaths } from './collaboration.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const signed = [{ signedRequest: [] }];
const standardErrors = {
  '400': error('malformed JSON or a body that does not match the schema'),
  '401': error('authentication failed; error.code is the reason'),
  '413': error('body larger than the configured limit'),
  '503': error('the event store is unavailable'),
};

const agentId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' };
const capabilities = (description: string) => ({
  type: 'array',
  minItems: 1,
  maxItems: 64,
  items: { type: 'string', pattern: CAPABILITY_PATTERN.source },
  description,
});
const streamName = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,199}$' };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Lighthouse bridge',
    version: '1',
    description:
      "Validates AI coding agents' tool calls, routes escalations to experts, and exposes the event store. " +
      "Every /v1 request is signed (see the signedRequest scheme) except the Claude Code hook, which takes the agent's hook token as a bearer.",
  },
  components: {
    securitySchemes: {
      signedRequest: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Lighthouse-Signature',
        description:
          'hex HMAC-SHA256(agent key, METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nSHA256hex(body)) with headers ' +
          'X-Lighthouse-Agent, X-Lighthouse-Timestamp (unix seconds, ±300 s) and X-Lighthouse-Nonce (16-128 of [A-Za-z0-9_-], single use).',
      },
      bearerCredential: {
        type: 'http',
        scheme: 'bearer',
        description:
          "the agent's hook token lhh1.<agent>.<key> (`lighthouse agent issue <agent> --hook`), not its signing credential lh1.…; it authenticates this endpoint only",
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
          },
        },
      },
      ValidateRequest: {
        type: 'object',
        required: ['tool', 'input'],
        properties: {
          tool: { type: 'string', minLength: 1, maxLength: 256 },
          input: { type: 'object' },
          sessionId: { type: 'string', maxLength: 256 },
          cwd: { type: 'string', maxLength: 4096 },
          resolvedPaths: {
            type: 'object',
            maxProperties: 16,
            propertyNames: { minLength: 1, maxLength: 4096 },
            additionalProperties: { type: 'string', minLength: 1, maxLength: 4096 },
            description:
              'path arguments of `input` (the text as given) → their symlink-free real paths, resolved by the client ' +
              'where the files are (`lighthouse hook pre-tool-use` sends them). Path rules judge both; the stricter ' +
              'decision stands, so an entry can only make a decision stricter',
          },
          agentId: { ...agentId, description: 'optional; must equal the authenticated agent' },
          wait: {
            type: 'boolean',
            default: true,
            description: 'false: answer `escalate` at once instead of waiting for an expert',
          },
        },
      },
      ValidateResponse: {
        type: 'object',
        required: [
          'decision',
          'reason',
          'ruleId',
          'tier',
          'decisionId',
          'policyRevision',
          'latencyMs',
          'warnings',
        ],
        properties: {
          decision: { enum: ['allow', 'block', 'escalate'] },
          reason: { type: 'string' },
          ruleId: { type: ['string', 'null'] },
          tier: { enum: ['cache', 'policy', 'risk', 'escalation', 'error'] },
          decisionId: { type: 'string', format: 'uuid' },
          policyRevision: { type: 'string' },
          latencyMs: { type: 'number' },
          warnings: {
            type: 'array',
            description:
              'warn-mode rules that matched: not enforced, reported to the caller (dryrun hits are not)',
            items: {
              type: 'object',
              required: ['ruleId', 'decision', 'reason'],
              properties: {
                ruleId: { type: 'string' },
                decision: { enum: ['allow', 'block', 'escalate'], description: 'what the rule would decide' },
                reason: { type: 'string' },
              },
            },
          },
        },
      },
      ClaudeCodeHookInput: {
        type: 'object',
        required: ['hook_event_name', 'tool_name'],
        properties: {
          session_id: { type: 'string' },
          transcript_path: { type: 'string' },
          cwd: { type: 'string' },
          permission_mode: { type: 'string' },
          hook_event_name: { type: 'string' },
          tool_name: { type: 'string', minLength: 1 },
          tool_input: { type: 'object' },
          tool_use_id: { type: 'string' },
          tool_response: {},
        },
      },
      ClaudeCodeHookOutput: {
        type: 'object',
        properties: {
          hookSpecificOutput: {
            type: 'object',
            properties: {
              hookEventName: { type: 'string' },
              permissionDecision: { enum: ['allow', 'deny', 'ask'] },
              permissionDecisionReason: { type: 'string' },
            },
          },
        },
      },
      ExpertRegistration: {
        type: 'object',
        required: ['capabilities'],
        properties: {
          capabilities: capabilities(
            'rule categories this expert decides (`*` = all; `risk` = unmatched risky calls); ' +
              'each must be within its grant (`*` only with a grant of `*`)',
          ),
          agentId,
        },
      },
      ExpertGrant: {
        type: 'object',
        required: ['capabilities'],
        properties: {
          capabilities: capabilities(
            'rule categories the agent may register to decide (`*` = all); replaces any earlier grant',
          ),
        },
        additionalProperties: false,
      },
      EscalationDecision: {
        type: 'object',
        required: ['decision'],
        properties: {
          decision: { enum: ['allow', 'block'] },
          reason: { type: 'string', maxLength: 2000 },
        },
      },
      AppendEvents: {
        type: 'object',
        required: ['stream', 'events'],
        properties: {
          stream: streamName,
          expectedVersion: {
            oneOf: [{ enum: ['any', 'no_stream', 'stream_exists'] }, { type: 'integer', minimum: 0 }],
          },
          events: {
            type: 'array',
            minItems: 1,
            maxItems: 1000,
            items: {
              type: 'object',
              required: ['type', 'data'],
              properties: {
                id: { type: 'string', format: 'uuid' },
                type: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,127}$' },
                data: {},
                metadata: { type: 'object' },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    },
  },
  paths: {
    '/healthz': {
      get: { operationId: 'health', security: [], responses: { '200': { description: 'process up' } } },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        security: [],
        responses: {
          '200': { description: 'store reachable and migrated' },
          '503': { description: 'not ready' },
        },
      },
    },
    '/metrics': {
      get: { operationId: 'metrics', security: [], responses: { '200': { description: 'Prometheus text' } } },
    },
    '/v1/openapi.json': {
      get: { operationId: 'openapi', security: [], responses: { '200': { description: 'this document' } } },
    },
    '/v1/status': {
      get: {
        operationId: 'status',
        security: signed,
        responses: { '200': { description: 'summary' }, ...standardErrors },
      },
    },
    '/v1/validate': {
      post: {
        operationId: 'validate',
        security: signed,
        requestBody: { required: true, ...json(ref('ValidateRequest')) },
        responses: {
          '200': {
            description: 'the decision (internal errors are a block, never an allow)',
            ...json(ref('ValidateResponse')),
          },
          '403': error('agentId in the body is not the authenticated agent'),
          '429': error('rate limited; see Retry-After'),
          ...standardErrors,
        },
      },
    },
    '/v1/validate/dry-run': {
      post: {
        operationId: 'validateDryRun',
        security: signed,
        requestBody: { required: true, ...json(ref('ValidateRequest')) },
        responses: {
          '200': {
            description:
              'what /v1/validate would decide (policy or risk tier); nothing is cached, escalated or recorded',
          },
          '403': error('agentId in the body is not the authenticated agent'),
          '429': error('rate limited; see Retry-After'),
          ...standardErrors,
        },
      },
    },
    '/v1/hooks/claude-code': {
      post: {
        operationId: 'claudeCodeHook',
        security: [{ bearerCredential: [] }],
        requestBody: { required: true, ...json(ref('ClaudeCodeHookInput')) },
        responses: {
          '200': { description: 'hook output', ...json(ref('ClaudeCodeHookOutput')) },
          '429': error(
            'rate limited: validate budget (PreToolUse), and writes or writeBytes (PostToolUse); see Retry-After',
          ),
          ...standardErrors,
        },
      },
    },
    '/v1/experts': {
      get: {
        operationId: 'listExperts',
        security: signed,
        responses: {
          '200': {
            description:
              '{experts: [{expertId, granted, registered, capabilities, connected}]}: every agent holding or having held a grant, as this replica knows them',
          },
          '403': error('admin only'),
          ...standardErrors,
        },
      },
      post: {
        operationId: 'registerExpert',
        security: signed,
        requestBody: { required: true, ...json(ref('ExpertRegistration')) },
        responses: {
          '201': { description: 'registered' },
          '403': error(
            'not_granted: the agent holds no expert grant, or not one covering these capabilities',
          ),
          ...standardErrors,
        },
      },
    },
    '/v1/experts/{id}/grant': {
      put: {
        operationId: 'grantExpert',
        security: signed,
        parameters: [{ name: 'id', in: 'path', required: true, schema: agentId }],
        requestBody: { required: true, ...json(ref('ExpertGrant')) },
        responses: {
          '200': { description: 'granted; the agent may register for these capabilities on every replica' },
          '403': error('admin only'),
          ...standardErrors,
        },
      },
      delete: {
        operationId: 'revokeExpertGrant',
        security: signed,
        parameters: [{ name: 'id', in: 'path', required: true, schema: agentId }],
        responses: {
          '200': {
            description:
              'revoked: its registration ends, its escalations go to other experts, its answers are refused',
          },
          '403': error('admin only'),
          '404': error('the agent holds no expert grant'),
          ...standardErrors,
        },
      },
    },
    '/v1/escalations': {
      get: {
        operationId: 'pollEscalations',
        security: signed,
        parameters: [{ name: 'wait', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 60 } }],
        responses: {
          '200': { description: '{escalations: [...]}, possibly empty after the wait' },
          '403': error('not_granted: the agent holds no expert grant'),
          '409': error('not_registered: granted but not registered'),
          ...standardErrors,
        },
      },
    },
    '/v1/escalations/stream': {
      get: {
        operationId: 'streamEscalations',
        security: signed,
        responses: {
          '200': { description: 'text/event-stream of `escalation` events' },
          '403': error('not_granted: the agent holds no expert grant'),
          '409': error('not_registered: granted but not registered'),
          ...standardErrors,
        },
      },
    },
    '/v1/escalations/{id}/decision': {
      post: {
        operationId: 'decideEscalation',
        security: signed,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        requestBody: { required: true, ...json(ref('EscalationDecision')) },
        responses: {
          '200': { description: 'recorded; the waiting validation is answered' },
          '403': error(
            'routed to another expert (not_routed_to_you), its own (own_escalation), or not within its grant (not_granted)',
          ),
          '404': error('no open escalation with that id'),
          '409': error('already resolved, or the agent is not registered'),
          ...standardErrors,
        },
      },
    },
    '/v1/events': {
      post: {
        operationId: 'appendEvents',
        security: signed,
        requestBody: { required: true, ...json(ref('AppendEvents')) },
        responses: {
          '201': { description: 'appended' },
          '409': error('expected version mismatch'),
          '429': error('rate limited: the agent spent its writes or writeBytes budget; see Retry-After'),
          ...standardErrors,
        },
      },
      get: {
        operationId: 'queryEvents',
        security: signed,
        parameters: [
          { name: 'stream', in: 'query', schema: streamName },
          { name: 'streamPrefix', in: 'query', schema: { type: 'string' } },
          { name: 'types', in: 'query', schema: { type: 'string', description: 'comma-separated' } },
          { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
          {
            name: 'after',
            in: 'query',
            schema: { type: 'string', pattern: '^\\d+\\.\\d+$', description: 'checkpoint <txid>.<position>' },
          },
          { name: 'fromVersion', in: 'query', schema: { type: 'integer', minimum: 1 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
        ],
        responses: {
          '200': {
            description:
              '{events} of a stream, or {events, checkpoint, more} of a query, which leaves out the events this agent may not read: more is true when the page is full or the scan (max(1000, 4 × limit) events) ended first (ask again after the checkpoint)',
          },
          ...standardErrors,
        },
      },
    },
    '/v1/events/stream': {
      get: {
        operationId: 'streamEvents',
        security: signed,
        parameters: [
          { name: 'after', in: 'query', schema: { type: 'string', pattern: '^\\d+\\.\\d+$' } },
          { name: 'types', in: 'query', schema: { type: 'string' } },
          { name: 'streamPrefix', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'text/event-stream; id = checkpoint, resumable with Last-Event-ID' },
          ...standardErrors,
        },
      },
    },
    '/v1/agents/{id}/revoke': {
      post: {
        operationId: 'revokeAgent',
        security: signed,
        parameters: [{ name: 'id', in: 'path', required: true, schema: agentId }],
        responses: {
          '200': { description: 'revoked on every replica within a second' },
          '403': error('admin only'),
          ...standardErrors,
        },
      },
    },
    ...collaborationPaths,
  },
} as const;

export type OpenApiDocument = typeof openApiDocument;
