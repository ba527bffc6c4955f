import { describe, it, expect } from "vitest";
import { FakeClock } from "./clock.js";
import { WorkQueue } from "./work-queue.js";
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from "./rate-limiter.js";

describe("WorkQueue", () => {
  it("hands keys out in FIFO order and de-duplicates while queued", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("b");
    q.add("a");
    q.add("c");
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["a", "b", "c"]);
    expect(q.len()).toBe(0);
  });

  it("never gives one key to two workers; a key re-added while processing comes back after done", async () => {
    const q = new WorkQueue();
    q.add("a");
    const first = await q.get();
    expect(first).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done("a");
    await Promise.resolve();
    expect(second).toBe("a");
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("wakes a waiting worker on add and returns undefined after shutDown", async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.add("x");
    expect(await p).toBe("x");
    q.done("x");
    const idle = q.get();
    q.shutDown();
    expect(await idle).toBeUndefined();
    q.add("y");
    expect(q.len()).toBe(0);
  });

  it("hands out keys still queued at shutDown, and shutDownWithDrain waits for in-flight work", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("b");
    const a = await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    expect(await q.get()).toBe("b");
    expect(await q.get()).toBeUndefined();
    q.done(a!);
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done("b");
    await drain;
    expect(drained).toBe(true);
  });

  it("addAfter respects the clock and keeps the earliest of two delays", () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter("k", 100);
    q.addAfter("k", 50);
    q.addAfter("k", 500);
    clock.step(49);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);
    clock.step(1000);
    expect(q.len()).toBe(1);
  });

  it("addRateLimited backs off exponentially per item and forget resets it", () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter(5, 1000) });
    q.addRateLimited("k");
    q.addRateLimited("k");
    expect(q.numRequeues("k")).toBe(2);
    clock.step(4);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);
    q.forget("k");
    expect(q.numRequeues("k")).toBe(0);
  });

  it("shutDown cancels delayed adds", () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter("k", 10);
    q.shutDown();
    clock.step(100);
    expect(q.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe("rate limiters", () => {
  it("item exponential doubles from the base and caps", () => {
    const rl = new ItemExponentialRateLimiter(5, 1_000_000);
    const delays = Array.from({ length: 5 }, () => rl.when("x"));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    for (let i = 0; i < 100; i++) rl.when("x");
    expect(rl.when("x")).toBe(1_000_000);
    expect(rl.when("y")).toBe(5);
  });

  it("bucket allows a burst then spaces items at 1/qps, refilling with time", () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 3, clock);
    expect([rl.when("a"), rl.when("b"), rl.when("c")]).toEqual([0, 0, 0]);
    expect(rl.when("d")).toBe(100);
    expect(rl.when("e")).toBe(200);
    clock.step(1000);
    // 10 tokens refilled minus 2 borrowed, capped at burst 3.
    expect(rl.when("f")).toBe(0);
  });

  it("default controller limiter takes the max of per-item backoff and the bucket", () => {
    const clock = new FakeClock();
    const rl = defaultControllerRateLimiter(clock);
    for (let i = 0; i < 100; i++) expect(rl.when(`burst-${i}`)).toBe(5);
    // Bucket (10 qps) is now empty: the next distinct key waits ~100 ms, more than its 5 ms backoff.
    expect(rl.when("next")).toBe(100);
    const max = new MaxOfRateLimiter<string>(new ItemExponentialRateLimiter(5, 1000), new ItemExponentialRateLimiter(1, 1000));
    max.when("z");
    expect(max.numRequeues("z")).toBe(1);
  });
});
