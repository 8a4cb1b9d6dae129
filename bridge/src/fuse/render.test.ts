import { describe, expect, it } from '@jest/globals';
import { readText, textSize } from './model.js';
import { appendStream, renderStreamLine } from './render.js';

const event = (i: number) => ({
  at: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
  type: 'E',
  position: String(i),
  data: { i },
});

describe('stream logs with a bounded window', () => {
  it('drops whole lines from the head past maxBytes, and the size keeps counting', () => {
    const line = renderStreamLine(event(1)).length;
    let file = appendStream(undefined, [event(1), event(2)], 3 * line);
    expect(file.dropped).toBeUndefined();
    file = appendStream(file, [event(3), event(4), event(5)], 3 * line);
    expect(file.bytes.toString()).toBe([3, 4, 5].map((i) => renderStreamLine(event(i))).join(''));
    expect(file.dropped).toBe(2 * line);
    expect(textSize(file)).toBe(5 * line);
  });

  it('reads the dropped head as zeros and the rest at its real offsets', () => {
    const file = { bytes: Buffer.from('cdef'), mtime: new Date(0), dropped: 2 };
    const buf = Buffer.alloc(8, 0x78);
    expect(readText(file, buf, 8, 0)).toBe(6);
    expect(buf.subarray(0, 6)).toEqual(Buffer.from([0, 0, 0x63, 0x64, 0x65, 0x66]));
    expect(readText(file, buf, 2, 3)).toBe(2);
    expect(buf.subarray(0, 2).toString()).toBe('de');
    expect(readText(file, buf, 4, 6)).toBe(0);
    expect(readText({ bytes: Buffer.from('ab') }, buf, 8, 1)).toBe(1);
  });
});
