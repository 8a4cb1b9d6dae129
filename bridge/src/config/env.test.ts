import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './env.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    expect(loadConfig({})).toMatchObject({ port: 8765, logLevel: 'info' });
  });

  it.each([
    ['PORT', 'abc', /PORT: expected an integer/],
    ['PORT', '70000', /PORT: must be between 0 and 65535/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of error, warn, info, debug/],
  ])('rejects %s=%s with a message naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});

describe('bridge settings', () => {
  it('defaults to the embedded store and a 30 s escalation timeout', () => {
    expect(loadConfig({})).toMatchObject({
      databaseUrl: undefined,
      dataDir: './.lighthouse/data',
      configDir: undefined,
      escalationTimeoutMs: 30_000,
      bodyLimitBytes: 1_048_576,
      eventMaxBytes: 1_048_576,
      maxBufferedBodyBytes: 268_435_456,
      requestTimeoutMs: 60_000,
    });
  });

  it('refuses a body budget that cannot hold one file upload, naming the size it needs', () => {
    // 8 MiB files travel as 11,184,811 bytes of base64 plus 64 KiB of JSON.
    expect(() => loadConfig({ LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES: '8388608' })).toThrow(
      'LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES: must hold at least one file upload (11250347 bytes for LIGHTHOUSE_FILE_MAX_BYTES=8388608)',
    );
    expect(
      loadConfig({ LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES: '1048576', LIGHTHOUSE_FILE_MAX_BYTES: '1' }),
    ).toMatchObject({ maxBufferedBodyBytes: 1_048_576 });
  });

  it.each([
    ['LIGHTHOUSE_DATABASE_URL', 'mysql://x', /expected a postgres:\/\/ URL/],
    ['LIGHTHOUSE_DATABASE_URL', 'not a url', /expected a postgres:\/\/ URL/],
    ['LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE', '0', /between 1 and/],
    ['LIGHTHOUSE_ESCALATION_TIMEOUT_MS', '-1', /expected an integer/],
    ['LIGHTHOUSE_EVENT_MAX_BYTES', '4096', /between 1048576 and/],
    ['LIGHTHOUSE_REQUEST_TIMEOUT_MS', '10', /between 1000 and/],
  ])('rejects %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});

describe('what one agent may make every replica store and hold', () => {
  it('defaults: 600 writes and 64 MiB of write bodies a minute, 100/1000 pending elicitations, a 256 MiB project view', () => {
    expect(loadConfig({})).toMatchObject({
      rateLimits: { writes: 600, writeBytes: 64 * 1_048_576 },
      maxPendingElicitationsPerRequester: 100,
      maxPendingElicitationsPerTarget: 1000,
      projectMaxBytes: 256 * 1_048_576,
    });
    expect(
      loadConfig({
        LIGHTHOUSE_RATE_WRITES_PER_MINUTE: '5',
        LIGHTHOUSE_RATE_WRITE_BYTES_PER_MINUTE: '4096',
        LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_REQUESTER: '2',
        LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_TARGET: '3',
        LIGHTHOUSE_PROJECT_MAX_BYTES: '1048576',
      }),
    ).toMatchObject({
      rateLimits: { writes: 5, writeBytes: 4096 },
      maxPendingElicitationsPerRequester: 2,
      maxPendingElicitationsPerTarget: 3,
      projectMaxBytes: 1_048_576,
    });
  });

  it.each([
    ['LIGHTHOUSE_RATE_WRITES_PER_MINUTE', '0', /between 1 and/],
    ['LIGHTHOUSE_RATE_WRITE_BYTES_PER_MINUTE', '100', /between 1024 and/],
    ['LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_REQUESTER', 'many', /expected an integer/],
    ['LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_TARGET', '0', /between 1 and/],
    ['LIGHTHOUSE_PROJECT_MAX_BYTES', '1000', /between 1048576 and/],
  ])('rejects %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(`${name}: `);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
