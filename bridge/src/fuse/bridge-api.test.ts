import { describe, expect, test } from '@jest/globals';
import { toProjectEvent } from './bridge-api.js';

const at = '2026-03-01T00:00:00.000Z';

describe('stored event → project event', () => {
  test('FileChanged carries its content when the event has it', () => {
    const e = toProjectEvent({
      stream: 'file:a.txt',
      type: 'FileChanged',
      createdAt: at,
      data: { path: 'a.txt', size: 2, sha256: 'h', contentBase64: Buffer.from('hi').toString('base64') },
    });
    expect(e).toMatchObject({ type: 'FileChanged', at, path: 'a.txt', size: 2, sha256: 'h' });
    expect(e?.type === 'FileChanged' && e.content?.toString()).toBe('hi');
  });

  test('deletes, annotations and contexts', () => {
    expect(
      toProjectEvent({ stream: 'file:a', type: 'FileDeleted', createdAt: at, data: { path: 'a' } }),
    ).toEqual({
      type: 'FileDeleted',
      at,
      path: 'a',
    });
    expect(
      toProjectEvent({
        stream: 'annotations',
        type: 'AnnotationAdded',
        createdAt: at,
        data: { path: 'a', text: 't' },
      }),
    ).toEqual({
      type: 'AnnotationAdded',
      at,
      path: 'a',
    });
    expect(
      toProjectEvent({
        stream: 'context:c',
        type: 'ContextCreated',
        createdAt: at,
        data: { id: 'c', name: 'n' },
      }),
    ).toEqual({
      type: 'ContextCreated',
      at,
      id: 'c',
      name: 'n',
    });
  });

  test('malformed or unrelated events are ignored, never half-applied', () => {
    for (const raw of [
      null,
      'x',
      { type: 'FileChanged', createdAt: at, data: { path: 'a', size: '2', sha256: 'h' } },
      { type: 'FileChanged', createdAt: 'not a time', data: { path: 'a', size: 2, sha256: 'h' } },
      { type: 'FileDeleted', createdAt: at, data: {} },
      { type: 'DecisionMade', createdAt: at, data: { path: 'a' } },
      // The right type on a stream the bridge does not write it to (an agent's, through the events API).
      { stream: 'x', type: 'FileChanged', createdAt: at, data: { path: 'a', size: 2, sha256: 'h' } },
      { stream: 'file:b', type: 'FileDeleted', createdAt: at, data: { path: 'a' } },
      { stream: 'x', type: 'AnnotationAdded', createdAt: at, data: { path: 'a', text: 't' } },
      { stream: 'context:d', type: 'ContextCreated', createdAt: at, data: { id: 'c', name: 'n' } },
      { type: 'FileChanged', createdAt: at, data: { path: 'a', size: 2, sha256: 'h' } },
    ]) {
      expect(toProjectEvent(raw)).toBeNull();
    }
  });
});
