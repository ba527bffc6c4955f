/**
 * Rate limiters for work queues (per-item backoff plus an overall token bucket, as client-go's
 * default controller rate limiter) and the token bucket the RestClient throttles requests with.
 */
import { realClock, sleep, type Clock } from "./clock.js";

/** Decides how long an item waits before it is retried. */
export interface RateLimiter<K = string> {
  /** Delay in ms before `item` may be processed again; counts as one more failure. */
  when(item: K): number;
  /** Clears the failure history of `item` (call after a successful sync). */
  forget(item: K): void;
  /** How many times `item` has been rate-limited since the last forget. */
  numRequeues(item: K): number;
}

/** A token bucket refilling `qps` tokens per second up to `burst`; reservations may go into debt. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock = realClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes one token and returns how many ms the caller must wait before using it. */
  reserve(): number {
    if (!(this.qps > 0)) return 0;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  /** Waits for a token; resolves early if `signal` aborts. */
  async wait(signal?: AbortSignal): Promise<void> {
    const ms = this.reserve();
    if (ms > 0) await sleep(ms, signal, this.clock);
  }
}

/** Per-item exponential backoff: base * 2^failures, capped at max. */
export class ItemExponentialRateLimiter<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  when(item: K): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity long before it matters; min() keeps that safe.
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/** One token bucket shared by all items: bounds the overall retry rate. */
export class BucketRateLimiter<K = string> implements RateLimiter<K> {
  private readonly bucket: TokenBucket;

  constructor(qps = 10, burst = 100, clock: Clock = realClock) {
    this.bucket = new TokenBucket(qps, burst, clock);
  }

  when(_item: K): number {
    return this.bucket.reserve();
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }
}

/** Combines limiters: waits as long as the strictest one says. */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    // Every limiter must see the failure, so no short-circuit here.
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** client-go's default controller limiter: max(5 ms→1000 s per item, 10 qps / 100 burst overall). */
export function defaultControllerRateLimiter<K = string>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialRateLimiter<K>(5, 1_000_000), new BucketRateLimiter<K>(10, 100, clock));
}
