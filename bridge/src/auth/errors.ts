export type AuthFailureReason =
  | 'missing_credentials'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'replayed_nonce'
  | 'unknown_agent'
  | 'not_hook_token'
  | 'revoked';

/** A request that could not be authenticated: always 401 with a machine-readable reason. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/** The refusal of a revoked credential, wherever it is met (a new request, or a stream it holds open). */
export const revokedError = () => new AuthError('revoked', 'this agent credential has been revoked');
