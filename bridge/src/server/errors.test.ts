import { describe, expect, it } from '@jest/globals';
import { toHttpError } from './errors.js';

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
