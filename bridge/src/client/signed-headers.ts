// Headers for one signed request; used by the client below and by load tools
// that must sign every request themselves (a nonce is good for one request).
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Credential } from '../auth/credentials.js';
import { HEADER_AGENT, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, sign } from '../auth/signature.js';

// createHmac imports a Buffer key anew on every call, several times the HMAC's
// own cost; a long-running client signs with a KeyObject made once per credential.
const keyObjects = new WeakMap<Credential, KeyObject>();

function keyObjectOf(credential: Credential): KeyObject {
  let key = keyObjects.get(credential);
  if (!key) {
    key = createSecretKey(credential.key);
    keyObjects.set(credential, key);
  }
  return key;
}

export function signedHeaders(
  credential: Credential,
  method: string,
  path: string,
  body: Buffer | string = '',
  now: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(18).toString('base64url');
  return {
    [HEADER_AGENT]: credential.agentId,
    [HEADER_TIMESTAMP]: timestamp,
    [HEADER_NONCE]: nonce,
    [HEADER_SIGNATURE]: sign(keyObjectOf(credential), { method, path, timestamp, nonce, body }),
  };
}
