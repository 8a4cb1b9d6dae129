// Express middleware that authenticates signed requests (and, for the Claude
// Code hook endpoint only, a bearer hook token). Handlers read the verified
// identity with `agentOf(res)`; nothing from the body is ever trusted for it.
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  ADMIN_AGENT,
  CredentialFormatError,
  deriveAgentKey,
  hookTokenMatches,
  isValidAgentId,
  parseCredential,
  parseHookToken,
  type Credential,
} from './credentials.js';
import { AuthError, revokedError, type AuthFailureReason } from './errors.js';
import type { NonceStore } from './nonces.js';
import type { RevocationList } from './revocations.js';
import {
  HEADER_AGENT,
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  MAX_CLOCK_SKEW_SECONDS,
  NONCE_PATTERN,
  signatureMatches,
} from './signature.js';

export interface AuthDependencies {
  master: Buffer;
  nonces: NonceStore;
  revocations: RevocationList;
  onFailure?: (reason: AuthFailureReason) => void;
  /** Unix seconds; injectable for tests of the clock window. */
  now?: () => number;
}

/** The raw request body, kept by the JSON parser so signatures cover the exact bytes sent. */
export function rawBodyOf(req: Request): Buffer {
  return (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
}

export function agentOf(res: Response): string {
  const id = res.locals.agentId as unknown;
  if (typeof id !== 'string') throw new Error('agentOf called on an unauthenticated request');
  return id;
}

export function isAdmin(res: Response): boolean {
  return res.locals.agentId === ADMIN_AGENT;
}

interface SignedHeaders {
  agentId: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

export class Authenticator {
  private readonly keys = new Map<string, KeyObject>();
  // createHmac imports a Buffer key anew on every call, several times the HMAC's own cost.
  private readonly master: KeyObject;
  private readonly now: () => number;

  constructor(private readonly deps: AuthDependencies) {
    this.master = createSecretKey(deps.master);
    this.now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  }

  private keyFor(agentId: string): KeyObject {
    let key = this.keys.get(agentId);
    if (!key) {
      key = createSecretKey(deriveAgentKey(this.master, agentId));
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(agentId, key);
    }
    return key;
  }

  /**
   * What can be refused without the body: missing or malformed signed headers,
   * a timestamp outside the window. Runs before the body is read, so such a
   * request costs no buffering; the signature itself needs the body.
   */
  checkSignedHeaders(req: Request): SignedHeaders {
    const agentId = req.get(HEADER_AGENT);
    const timestamp = req.get(HEADER_TIMESTAMP);
    const nonce = req.get(HEADER_NONCE);
    const signature = req.get(HEADER_SIGNATURE);
    if (!agentId || !timestamp || !nonce || !signature) {
      throw new AuthError(
        'missing_credentials',
        'signed request headers X-Lighthouse-Agent, -Timestamp, -Nonce and -Signature are required',
      );
    }
    if (!isValidAgentId(agentId)) throw new AuthError('unknown_agent', 'agent id is not a valid identity');
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(this.now() - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
      throw new AuthError(
        'stale_timestamp',
        `timestamp must be unix seconds within ${MAX_CLOCK_SKEW_SECONDS}s of the bridge clock`,
      );
    }
    if (!NONCE_PATTERN.test(nonce))
      throw new AuthError('bad_signature', 'nonce must be 16-128 characters of [A-Za-z0-9_-]');
    return { agentId, timestamp, nonce, signature };
  }

  async verifySigned(req: Request): Promise<string> {
    const { agentId, timestamp, nonce, signature } = this.checkSignedHeaders(req);
    const parts = { method: req.method, path: req.originalUrl, timestamp, nonce, body: rawBodyOf(req) };
    if (!signatureMatches(this.keyFor(agentId), parts, signature)) {
      throw new AuthError('bad_signature', 'signature does not match the request');
    }
    if (this.deps.revocations.isRevoked(agentId)) throw revokedError();
    if (!(await this.deps.nonces.remember(agentId, nonce))) {
      throw new AuthError('replayed_nonce', 'this nonce has already been used');
    }
    return agentId;
  }

  verifyBearer(req: Request): string {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AuthError('missing_credentials', 'Authorization: Bearer <hook token> is required');
    const token = parseBearer(match[1] as string);
    if (!hookTokenMatches(this.master, token))
      throw new AuthError('bad_signature', 'hook token is not valid');
    if (this.deps.revocations.isRevoked(token.agentId)) {
      throw revokedError();
    }
    return token.agentId;
  }

  signed(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      this.verifySigned(req).then(
        (agentId) => {
          res.locals.agentId = agentId;
          next();
        },
        (err: unknown) => this.fail(err, next),
      );
    };
  }

  /** `checkSignedHeaders` as middleware, for before the body parser. */
  signedHeaders(): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      try {
        this.checkSignedHeaders(req);
        next();
      } catch (err) {
        this.fail(err, next);
      }
    };
  }

  bearer(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      try {
        res.locals.agentId = this.verifyBearer(req);
        next();
      } catch (err) {
        this.fail(err, next);
      }
    };
  }

  private fail(err: unknown, next: NextFunction): void {
    if (err instanceof AuthError) this.deps.onFailure?.(err.reason);
    next(err);
  }
}

function parseBearer(text: string): Credential {
  try {
    return parseHookToken(text);
  } catch (err) {
    if (!(err instanceof CredentialFormatError)) throw err;
    try {
      parseCredential(text);
    } catch {
      throw new AuthError('unknown_agent', err.message);
    }
    // The signing credential would work for everything the agent may do; it does not belong in a hook's settings.
    throw new AuthError(
      'not_hook_token',
      "the bearer is the agent's signing credential (lh1.…); send its hook token (lhh1.…) from `lighthouse agent issue <id> --hook`",
    );
  }
}
