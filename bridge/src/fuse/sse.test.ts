import { describe, expect, test } from '@jest/globals';
import { SseParser } from './sse.js';

describe('SSE parser', () => {
  test('parses id, event and multi-line data; the id carries over to later messages', () => {
    const p = new SseParser();
    const got = p.push('id: 5.1\nevent: FileChanged\ndata: {"a":\ndata: 1}\n\ndata: x\n\n');
    expect(got).toEqual([
      { id: '5.1', event: 'FileChanged', data: '{"a":\n1}' },
      { id: '5.1', event: 'message', data: 'x' },
    ]);
  });

  test('messages split across chunks, CRLF line ends and comments', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\r\nid: 7.2\r')).toEqual([]);
    expect(p.push('\ndata: he')).toEqual([]);
    expect(p.push('llo\r\n')).toEqual([]);
    expect(p.push('\r\n')).toEqual([{ id: '7.2', event: 'message', data: 'hello' }]);
  });

  test('a blank line without data dispatches nothing', () => {
    const p = new SseParser();
    expect(p.push('event: x\n\n\n')).toEqual([]);
    expect(p.push('data: y\n\n')).toEqual([{ id: undefined, event: 'message', data: 'y' }]);
  });
});
