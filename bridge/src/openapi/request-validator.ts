// Request bodies are checked against the schemas of the OpenAPI document, by
// operationId, with ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import type { RequestHandler } from 'express';
import { HttpError } from '../server/errors.js';
import { openApiDocument } from './document.js';

type Operation = { requestBody?: { content: { 'application/json': { schema: unknown } } } };

export class RequestValidator {
  private readonly byOperation = new Map<string, ValidateFunction>();

  constructor(doc: typeof openApiDocument = openApiDocument) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    (formatsPlugin as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addSchema({ $id: 'lighthouse:openapi', components: doc.components }, 'lighthouse:openapi');
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item) as (Operation & { operationId: string })[]) {
        const schema = op.requestBody?.content['application/json'].schema;
        if (!schema) continue;
        const resolved = JSON.parse(
          JSON.stringify(schema).replaceAll('"#/components/', '"lighthouse:openapi#/components/'),
        );
        this.byOperation.set(op.operationId, ajv.compile(resolved as object));
      }
    }
  }

  /** Middleware refusing a body that does not match the operation's schema (400 invalid_request). */
  body(operationId: string): RequestHandler {
    const validate = this.byOperation.get(operationId);
    if (!validate) throw new Error(`no request body schema for operation ${operationId}`);
    return (req, _res, next) => {
      if (validate(req.body)) return next();
      const details = (validate.errors ?? []).map((e) => ({
        path: e.instancePath || '/',
        message: e.message ?? 'invalid',
      }));
      next(new HttpError(400, 'invalid_request', 'request body does not match the API schema', details));
    };
  }
}
