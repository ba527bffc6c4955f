/**
 * Per-key exponential back-off, the kubelet's flowcontrol.Backoff: the first failure of a
 * key is retried at once, then base, 2*base, ... up to max; a key quiet for 2*max starts over.
 * Used for CrashLoopBackOff (10s..5m in Kubernetes) and ImagePullBackOff.
 */
export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(readonly baseMs: number, readonly maxMs: number, private readonly now: () => number = Date.now) {}

  /** Records one more failure (or restart) of `key` and returns the delay now in force. */
  next(key: string): number {
    const t = this.now();
    const e = this.entries.get(key);
    if (!e || t - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { delayMs: this.baseMs, lastUpdate: t });
      return this.baseMs;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
    e.lastUpdate = t;
    return e.delayMs;
  }

  /** The current delay of `key` (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Milliseconds left of `key`'s back-off counted from `since` (0: not in back-off). */
  remainingSince(key: string, since: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.delayMs - (this.now() - since));
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets keys that have been quiet for longer than 2*max. */
  gc(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (t - e.lastUpdate > 2 * this.maxMs) this.entries.delete(k);
  }
}
