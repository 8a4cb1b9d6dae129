// The revision of the configuration a bridge has applied: a hash of the
// policy.yaml and flags.yaml texts it loaded (absent counts as empty). The
// operator hashes the ConfigMap it renders the same way, so it can tell when
// every bridge runs a new policy without a restart (config-contract.test.ts).
import { createHash } from 'node:crypto';

export function configRevision(files: { policy?: string; flags?: string }): string {
  return createHash('sha256')
    .update(`policy.yaml\0${files.policy ?? ''}\0flags.yaml\0${files.flags ?? ''}`)
    .digest('hex')
    .slice(0, 12);
}
