import { describe, expect, it } from '@jest/globals';
import { createServer, type Socket } from 'node:net';
import { unreachableCause } from './bridge-client.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('unreachableCause', () => {
  it("names the socket error of a refused connection (fetch's TypeError cause)", async () => {
    const err = await fetch(`http://127.0.0.1:${await closedPort()}/`).catch((e: unknown) => e);
    expect(unreachableCause(err)).toBe('ECONNREFUSED');
  });

  it('says the bridge did not answer in time after a timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const err = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(50) }).catch(
        (e: unknown) => e,
      );
      expect(unreachableCause(err, 10_000)).toBe('no answer within 10 s');
      expect(unreachableCause(err)).toBe('no answer in time');
    } finally {
      sockets.forEach((socket) => socket.destroy());
      silent.close();
    }
  });

  it('is undefined for any other failure', () => {
    expect(unreachableCause(new Error('boom'))).toBeUndefined();
    expect(unreachableCause(new TypeError('not a fetch failure'))).toBeUndefined();
  });
});
