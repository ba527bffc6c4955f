/** A controller work queue with client-go semantics: FIFO, de-duplicated, one worker per key, rate-limited retries. */
import { realClock, type Clock, type TimerHandle } from "./clock.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";

/** Options for a WorkQueue. */
export interface WorkQueueOptions<K> {
  rateLimiter?: RateLimiter<K>;
  clock?: Clock;
}

/**
 * Keys waiting to be reconciled. A key is queued at most once (the dirty set); a key being
 * processed is never handed to a second worker, and if it is added meanwhile it is queued
 * again when `done` is called (the processing set). After `shutDown`, `get` still hands out
 * the keys already queued, then returns `undefined` so workers exit.
 * @example
 * for (let key; (key = await queue.get()) !== undefined; ) {
 *   try { await sync(key); queue.forget(key); } catch { queue.addRateLimited(key); } finally { queue.done(key); }
 * }
 */
export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiters: ((k: K | undefined) => void)[] = [];
  private readonly delayed = new Map<K, { at: number; timer: TimerHandle }>();
  private readonly drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly rateLimiter: RateLimiter<K>;
  private readonly clock: Clock;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.clock = opts.clock ?? realClock;
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /** Queues `key` unless it is already queued; ignored after shutDown. */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Waits for the next key; `undefined` means the queue is shut down and empty. */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` finished; if it was added while processing, it is queued again now. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
    this.checkDrained();
  }

  /** Adds `key` after `ms`; of several pending delays for one key, the earliest wins. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const prev = this.delayed.get(key);
    if (prev && prev.at <= at) return;
    if (prev) this.clock.clearTimeout(prev.timer);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Adds `key` after the rate limiter's delay (per-item backoff and overall bucket). */
  addRateLimited(key: K): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears `key`'s backoff history; call after a successful sync. */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** How many times `key` was re-added through addRateLimited since the last forget. */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** Keys waiting (not counting those being processed or delayed). */
  len(): number {
    return this.queue.length;
  }

  /** True once shutDown (or shutDownWithDrain) was called. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops accepting keys, cancels delayed adds and wakes idle workers with `undefined`. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    this.checkDrained();
  }

  /** Shuts down, then resolves once every queued and in-flight key is done (workers must keep running). */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private isDrained(): boolean {
    return this.processing.size === 0 && this.queue.length === 0;
  }

  private checkDrained(): void {
    if (this.shuttingDown && this.isDrained()) for (const w of this.drainWaiters.splice(0)) w();
  }
}
