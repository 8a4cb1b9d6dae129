// The decision log keeps every call an agent makes, at the validate rate, so a
// call's input is logged within a bound: a field whose JSON is longer than
// FIELD_BYTES (a Write's content, a long heredoc) is logged as its size and
// SHA-256, and an input still over INPUT_BYTES is logged only as its size and
// SHA-256. The decision itself is made on the whole input.
import { createHash } from 'node:crypto';

export const FIELD_BYTES = 1024;
export const INPUT_BYTES = 16 * 1024;

const digest = (json: string) => ({
  omitted: true,
  bytes: Buffer.byteLength(json),
  sha256: createHash('sha256').update(json).digest('hex'),
});

export function loggedInput(input: Record<string, unknown>): Record<string, unknown> {
  const whole = JSON.stringify(input);
  if (Buffer.byteLength(whole) <= FIELD_BYTES) return input;
  const fields = Object.fromEntries(
    Object.entries(input).map(([k, v]) => {
      const json = JSON.stringify(v) ?? 'null';
      return [k, Buffer.byteLength(json) > FIELD_BYTES ? digest(json) : v];
    }),
  );
  return Buffer.byteLength(JSON.stringify(fields)) > INPUT_BYTES ? digest(whole) : fields;
}
