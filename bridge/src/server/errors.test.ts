import { describe, expect, it } from '@jest/globals';
import type { Logger } from '../logging/logger.js';
import { StoreUnavailableError } from '../storage/errors.js';
import { errorHandler, toHttpError } from './errors.js';

describe('toHttpError', () => {
  it("maps the body parser's refusals to their 4xx, never a 500", () => {
    expect(toHttpError({ type: 'entity.too.large', status: 413, limit: 10 })).toMatchObject({
      status: 413,
      code: 'body_too_large',
    });
    expect(toHttpError({ type: 'entity.parse.failed', status: 400 })).toMatchObject({
      status: 400,
      code: 'malformed_json',
    });
    for (const [type, status] of [
      ['request.aborted', 400],
      ['request.size.invalid', 400],
      ['stream.encoding.set', 500],
    ] as const) {
      expect(toHttpError({ type, status })).toMatchObject(
        status < 500
          ? { status, code: 'bad_request', message: expect.stringContaining(type) as unknown }
          : { status: 500, code: 'internal_error' },
      );
    }
  });

  it('anything unknown is a 500 that says nothing of its cause', () => {
    expect(toHttpError(new Error('secret detail'))).toMatchObject({
      status: 500,
      code: 'internal_error',
      message: 'internal error',
    });
  });
});

describe('errorHandler', () => {
  /** The lines a handled error logs, by level. */
  function handled(err: unknown) {
    const lines: [string, string, Record<string, unknown>][] = [];
    const log = (level: string) => (message: string, meta: Record<string, unknown>) =>
      lines.push([level, message, meta]);
    const logger = { error: log('error'), warn: log('warn'), debug: log('debug') } as unknown as Logger;
    const res = { locals: { requestId: 'r1' }, headersSent: true, end: () => undefined };
    errorHandler(logger)(err, { path: '/v1/x' } as never, res as never, () => undefined);
    return lines;
  }

  it('logs a 500 as an error with its cause, a 503 as a warning without a stack, a refusal at debug', () => {
    const [failed] = handled(new Error('boom'));
    expect(failed?.slice(0, 2)).toEqual(['error', 'request failed']);
    expect(failed?.[2].err).toBeInstanceOf(Error);
    expect(handled(new StoreUnavailableError('down', { cause: new Error('ECONNREFUSED') }))).toEqual([
      ['warn', 'request unavailable', { code: 'store_unavailable', requestId: 'r1', path: '/v1/x' }],
    ]);
    expect(handled({ type: 'entity.parse.failed', status: 400 })[0]?.[0]).toBe('debug');
  });
});
