// The live flag set of one bridge process: specs from flags.yaml (reloaded
// when the file changes; a bad file keeps the last good set), overridden by
// kill switches, which arrive as events so every replica applies them.
import { readFileSync } from 'node:fs';
import { SettledPoll } from '../config/settled-poll.js';
import { parseFlags } from './config.js';
import { evaluate, type FlagSpec } from './evaluate.js';

/** Behaviour the bridge gates; on unless flags.yaml says otherwise. */
export const GATED_FEATURES = ['elicitation', 'heuristics', 'escalation'] as const;
const DEFAULTS: Record<string, FlagSpec> = Object.fromEntries(GATED_FEATURES.map((f) => [f, { mode: 'on' }]));

export const FLAG_EVENT_TYPES = ['FlagKilled', 'FlagRestored'] as const;
export const FLAGS_STREAM = 'flags';
export interface FlagKillEvent {
  type: string;
  data: unknown;
}

export interface FlagsStatus {
  source: string | null;
  loadedAt: string | null;
  error: string | null;
  killed: string[];
  flags: Record<string, FlagSpec>;
}

export interface FlagsLogger {
  info(message: string, meta?: object): unknown;
  error(message: string, meta?: object): unknown;
}

export class FeatureFlags {
  private specs: Record<string, FlagSpec> = { ...DEFAULTS };
  private readonly killed = new Set<string>();
  private loadedAt: Date | null = null;
  private error: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** The text last read, good or bad: a reload with the same text does nothing. */
  private readText: string | undefined;
  private readonly polls = new SettledPoll<string>();
  /** The flags.yaml text in force ('' when there is no file). */
  appliedText = '';

  constructor(
    private readonly file: string | null,
    private readonly logger?: FlagsLogger,
  ) {
    if (file) this.reload();
  }

  static fromSpecs(specs: Record<string, FlagSpec>): FeatureFlags {
    const f = new FeatureFlags(null);
    f.specs = { ...DEFAULTS, ...specs };
    return f;
  }

  /** Re-reads the file. A missing file means defaults; an invalid one keeps the last good set. */
  reload(): void {
    if (this.file) this.apply(this.read(this.file));
  }

  private read(file: string): string {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return '';
    }
  }

  private apply(text: string): void {
    if (text === this.readText) return;
    this.readText = text;
    try {
      this.specs = { ...DEFAULTS, ...parseFlags(text) };
      this.appliedText = text;
      this.loadedAt = new Date();
      this.error = null;
      this.logger?.info('feature flags loaded', { file: this.file, flags: Object.keys(this.specs) });
    } catch (err) {
      this.error = (err as Error).message;
      this.logger?.error('feature flags not reloaded; keeping the previous set', { error: this.error });
    }
  }

  /**
   * Re-reads the file every `intervalMs` and compares its text. That survives
   * ConfigMap symlink swaps (unlike inotify on the file), and unlike fs.watchFile
   * it cannot miss a change made before its first stat: the baseline is the text
   * the flags were loaded from. A new text is applied once it has settled (see
   * SettledPoll).
   */
  watch(intervalMs = 500): void {
    if (!this.file || this.timer) return;
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  /** One poll, as watch() runs it: a new text is applied when the previous poll read it too. */
  poll(): void {
    if (!this.file) return;
    try {
      const text = this.read(this.file);
      if (this.polls.settled(text)) this.apply(text);
    } catch (err) {
      this.polls.forget();
      this.readText = undefined; // parse again once it is readable
      this.error = (err as Error).message;
      this.logger?.error('feature flags file unreadable; keeping the previous set', { error: this.error });
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  isEnabled(name: string, agentId: string): boolean {
    if (this.killed.has(name)) return false;
    const spec = this.specs[name];
    return spec ? evaluate(name, spec, agentId) : false;
  }

  /** Applies a kill-switch event from the store (every replica sees the same sequence). */
  applyEvent(event: FlagKillEvent): void {
    const flag = (event.data as { flag?: unknown }).flag;
    if (typeof flag !== 'string') return;
    if (event.type === 'FlagKilled') this.killed.add(flag);
    else if (event.type === 'FlagRestored') this.killed.delete(flag);
  }

  status(): FlagsStatus {
    return {
      source: this.file,
      loadedAt: this.loadedAt?.toISOString() ?? null,
      error: this.error,
      killed: [...this.killed].sort(),
      flags: { ...this.specs },
    };
  }
}
