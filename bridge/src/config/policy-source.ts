// The policy in force: policy.yaml from the mounted ConfigMap directory, or the
// shipped default when there is none. The file is re-read when it changes
// (ConfigMap updates swap a symlink, so the content is polled and compared);
// a bad document is logged and the previous policy stays in force. A poll
// applies a new text only once it has settled (see SettledPoll).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';
import type { Policy } from '../policy/types.js';
import { SettledPoll } from './settled-poll.js';

export interface PolicySourceOptions {
  configDir: string | undefined;
  parse: (yamlText: string) => Policy;
  fallback: () => Policy;
  logger: Logger;
  onChange: (policy: Policy) => void;
  pollMs?: number;
}

export class PolicySource {
  private policy: Policy;
  private digest = '';
  private readonly polls = new SettledPoll<string>();
  private applied: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PolicySourceOptions) {
    this.policy = opts.fallback();
  }

  get current(): Policy {
    return this.policy;
  }

  /** The policy.yaml text in force (undefined: no file, the default policy). */
  get appliedText(): string | undefined {
    return this.applied;
  }

  /** Loads once (a bad document at start is an error), then watches. */
  async start(): Promise<void> {
    await this.reload(true);
    if (!this.opts.configDir) return;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1_000);
    this.timer.unref();
  }

  /** One poll, as the timer runs it: a new text is applied when the previous poll read it too. */
  poll(): Promise<void> {
    return this.reload(false);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async reload(strict: boolean): Promise<void> {
    if (!this.opts.configDir) return;
    const file = path.join(this.opts.configDir, 'policy.yaml');
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.polls.forget(); // the next text needs two reads again
        this.opts.logger.error('policy file unreadable; keeping the current policy', { file, err });
        return;
      }
    }
    const digest = text === undefined ? 'absent' : createHash('sha256').update(text).digest('hex');
    const settled = this.polls.settled(digest) || strict;
    if (digest === this.digest || !settled) return;
    let next: Policy;
    try {
      next = text === undefined ? this.opts.fallback() : this.opts.parse(text);
    } catch (err) {
      if (strict) throw err;
      this.opts.logger.error('policy file invalid; keeping the current policy', {
        file,
        error: (err as Error).message,
      });
      this.digest = digest;
      return;
    }
    this.digest = digest;
    this.applied = text;
    const changed = next.revision !== this.policy.revision;
    this.policy = next;
    if (changed) {
      this.opts.logger.info('policy loaded', { revision: next.revision, rules: next.rules.length });
      this.opts.onChange(next);
    }
  }
}
