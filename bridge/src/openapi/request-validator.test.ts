import { describe, expect, it } from '@jest/globals';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../server/errors.js';
import { openApiDocument } from './document.js';
import { RequestValidator } from './request-validator.js';

function run(operationId: string, body: unknown): HttpError | undefined {
  let out: unknown = 'not called';
  const next = ((err?: unknown) => (out = err)) as NextFunction;
  void new RequestValidator().body(operationId)({ body } as Request, {} as Response, next);
  return out as HttpError | undefined;
}

describe('RequestValidator', () => {
  it('compiles a validator for every operation with a JSON body', () => {
    const v = new RequestValidator();
    for (const item of Object.values(openApiDocument.paths)) {
      for (const op of Object.values(item) as { operationId: string; requestBody?: unknown }[]) {
        if (op.requestBody) expect(() => v.body(op.operationId)).not.toThrow();
      }
    }
  });

  it('passes a valid body and refuses an invalid one with the JSON paths at fault', () => {
    expect(run('validate', { tool: 'Bash', input: { command: 'ls' } })).toBeUndefined();
    const err = run('validate', { tool: 7, input: [] });
    expect(err).toBeInstanceOf(HttpError);
    expect(err?.status).toBe(400);
    expect((err?.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['/input', '/tool']);
  });

  it('resolves component references (escalation decision enum, event append shape)', () => {
    expect(run('decideEscalation', { decision: 'allow' })).toBeUndefined();
    expect(run('decideEscalation', { decision: 'perhaps' })?.code).toBe('invalid_request');
    expect(
      run('appendEvents', { stream: 'a', events: [{ type: 'X', data: {} }], expectedVersion: 'no_stream' }),
    ).toBeUndefined();
    expect(run('appendEvents', { stream: '../x', events: [] })?.code).toBe('invalid_request');
  });
});
