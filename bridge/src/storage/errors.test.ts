import { describe, expect, it } from '@jest/globals';
import { StoreUnavailableError, classifyError } from './errors.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it('turns a full disk (SQLSTATE 53100) into a retryable StoreUnavailableError', () => {
    const err = classifyError(pgError('53100', 'could not extend file "base/1/2": No space left on device'));
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).message).toContain('No space left on device');
  });

  it('leaves statement errors as they are', () => {
    const unique = pgError('23505', 'duplicate key value violates unique constraint');
    expect(classifyError(unique)).toBe(unique);
  });
});
